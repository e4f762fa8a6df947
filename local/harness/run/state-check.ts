/** What Genesys holds after a run (attributes, data table rows, tags), against what the run's events imply under its actions. */
import type { ExpectedState } from '../load/entry.js';
import { defaultActions } from '../../../tools/actions/index.js';
import { expectedGenesys } from '../load/expected-state.js';
import { filteredByRule, parkedByEventId } from './fates.js';
import type { Observation, RunExpectations } from './observation.js';
import type { RunSummary } from './summary.js';

/** Most differences a summary lists. */
const LISTED_MISMATCHES = 20;

/**
 * Compares the simulator's attributes with the expected ones, key by key; lists the differences.
 * A key found but not expected is no difference when `tolerated` holds it with the same value: a parked
 * event's write may still have landed (a task that timed out after Genesys applied it), and writing it
 * is what the event implies anyway.
 */
export function compareState(
  expected: ExpectedState,
  actual: ExpectedState,
  tolerated: ExpectedState = {},
): { participants: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let participants = 0;
  const conversations = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const conversationId of conversations) {
    const participantIds = new Set([...Object.keys(expected[conversationId] ?? {}), ...Object.keys(actual[conversationId] ?? {})]);
    for (const participantId of participantIds) {
      participants += 1;
      const want = expected[conversationId]?.[participantId] ?? {};
      const have = actual[conversationId]?.[participantId] ?? {};
      for (const key of new Set([...Object.keys(want), ...Object.keys(have)])) {
        const mayHave = tolerated[conversationId]?.[participantId]?.[key];
        if (want[key] === undefined && have[key] !== undefined && have[key] === mayHave) continue;
        if (want[key] !== have[key]) {
          mismatches.push(`${conversationId}/${participantId} ${key}: expected ${JSON.stringify(want[key])}, found ${JSON.stringify(have[key])}`);
        }
      }
    }
  }
  return { participants, mismatches };
}

/** The attributes the run's conversations start with (a `--conversations` file may give some), as expected state. */
function initialAttributes(conversations: RunExpectations['conversations']): ExpectedState {
  const state: ExpectedState = {};
  for (const { id, participants } of conversations) {
    for (const participant of participants) if (participant.attributes !== undefined && Object.keys(participant.attributes).length > 0) (state[id] ??= {})[participant.id] = { ...participant.attributes };
  }
  return state;
}

/** `writes` over `initial`, participant by participant. */
function over(initial: ExpectedState, writes: ExpectedState): ExpectedState {
  const merged = structuredClone(initial);
  for (const [conversationId, participants] of Object.entries(writes)) {
    for (const [participantId, attributes] of Object.entries(participants)) Object.assign(((merged[conversationId] ??= {})[participantId] ??= {}), attributes);
  }
  return merged;
}

/**
 * What the valid events that reached SQS and were not parked imply, over the attributes the run's conversations
 * started with, against what Genesys holds of them; what the parked ones imply is tolerated, since their writes may have landed too.
 */
export function checkState(observation: Observation, expectations: RunExpectations): RunSummary['state'] {
  const parked = parkedByEventId(observation.parked);
  const valid = expectations.events.flatMap((event, index) =>
    event.expected === 'valid' && filteredByRule(observation.rulePattern, event.entry) === undefined ? [{ event, index }] : [],
  );
  const isParked = ({ index }: { index: number }): boolean => {
    const id = observation.eventIds[index];
    return id !== undefined && parked.has(id);
  };
  const actions = expectations.actions ?? defaultActions();
  const expected = expectedGenesys(valid.filter((item) => !isParked(item)).map(({ event }) => event.entry), expectations.conversations, actions);
  const tolerated = expectedGenesys(valid.filter(isParked).map(({ event }) => event.entry), expectations.conversations, actions);
  const touched = new Set(expectations.conversations.map((c) => c.id));
  const ofRun = (state: ExpectedState): ExpectedState => Object.fromEntries(Object.entries(state).filter(([conversationId]) => touched.has(conversationId)));
  const { genesys } = observation;
  const tags = Object.fromEntries(Object.entries(genesys.tags).map(([conversationId, externalTag]) => [conversationId, { conversation: { externalTag } }]));
  const rows = Object.fromEntries(Object.entries(genesys.tables).map(([table, byKey]) => [table, Object.fromEntries(Object.entries(byKey).map(([key, { key: _key, ...row }]) => [key, row]))]));
  const { participants, mismatches } = compareState(over(initialAttributes(expectations.conversations), expected.attributes), ofRun(genesys.state), tolerated.attributes);
  const all = [
    ...mismatches,
    ...compareState(expected.rows, rows, tolerated.rows).mismatches.map((mismatch) => `data table row ${mismatch}`),
    ...compareState(expected.tags, ofRun(tags), tolerated.tags).mismatches.map((mismatch) => `tag of ${mismatch}`),
  ];
  return { participants, matches: all.length === 0, mismatches: all.slice(0, LISTED_MISMATCHES) };
}
