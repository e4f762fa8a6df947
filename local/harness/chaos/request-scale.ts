/**
 * How many Genesys requests an applied event needs, without faults, under an actions file, against the default
 * file's: the scenarios' request bounds are written for actions.yaml, and another file's writes need more (a data
 * table row is a PUT then a POST the first time, a write to the customer reads the conversation first).
 */
import { defaultActions, type ActionsConfig } from '../../../tools/actions/index.js';
import { expectedOutcome, type ExpectedOutcome } from '../load/expected-state.js';
import type { GeneratedLoad } from '../load/generate.js';
import { parseEntry } from '../load/entry.js';

/** The requests `outcome` makes with no fault: one conversation read when a write needs it, then each write's own. */
function cleanRequests(outcome: ExpectedOutcome, namesParticipant: boolean, targets: readonly string[]): number {
  const reads = targets.some((target) => target !== 'event') || (!namesParticipant && targets.includes('event')) ? 1 : 0;
  return reads + outcome.writes.reduce((total, write) => total + (write.type === 'dataTableRow' ? 2 : 1), 0);
}

function meanCleanRequests(load: GeneratedLoad, actions: ActionsConfig): number {
  const known = new Map(load.conversations.map((conversation) => [conversation.id, conversation]));
  let requests = 0;
  let applied = 0;
  for (const event of load.events) {
    if (event.expected !== 'valid') continue;
    const outcome = expectedOutcome(event, actions, known);
    const parsed = parseEntry(event.entry);
    if (outcome === undefined || parsed === undefined) continue;
    const action = actions.actions.find((candidate) => candidate.name === outcome.action);
    const targets = action?.parsed.writes.flatMap((write) => (write.type === 'participantAttributes' ? [write.participant] : [])) ?? [];
    requests += cleanRequests(outcome, parsed.body.participantId !== undefined, targets);
    applied += 1;
  }
  return applied === 0 ? 1 : requests / applied;
}

/** `actions`' clean requests per applied event over the default file's, for the same load (1 for the default file). */
export function requestScale(load: GeneratedLoad, actions: ActionsConfig): number {
  const ofDefault = meanCleanRequests(load, defaultActions());
  return actions === defaultActions() ? 1 : Math.max(1, meanCleanRequests(load, actions) / ofDefault);
}
