/** What the pipeline should leave behind in Genesys once it has applied a load, to check a run against. */
import type { RenderedWrite } from '../../../functions/shared/actions/render.js';
import { defaultActions, writesFor, type ActionsConfig } from '../../../tools/actions/index.js';
import { parseEntry, type EventEntry, type ExpectedState, type LoadConversation, type LoadParticipant } from './entry.js';

/** An entry, or a generated event that also knows the participant its body may leave out. */
export type EntryOrEvent = EventEntry | { entry: EventEntry; participantId?: string };

/** One write an event should make, its participant resolved. */
export type ExpectedWrite =
  | { type: 'participantAttributes'; conversationId: string; participantId: string; attributes: Record<string, string> }
  | { type: 'dataTableRow'; datatableId: string; key: string; values: Record<string, string> }
  | { type: 'conversationTag'; conversationId: string; externalTag: string };

/** What one event should do: run `action` and make `writes`, or be parked by it as `invalid` (the InvalidEvent message). */
export interface ExpectedOutcome {
  action: string;
  writes: ExpectedWrite[];
  invalid?: string;
}

function participantOf(
  write: Extract<RenderedWrite, { type: 'participantAttributes' }>,
  event: { participantId?: string; userId?: string },
  recorded: string | undefined,
  participants: readonly LoadParticipant[] | undefined,
): string | undefined {
  const customer = (): string | undefined => participants?.find((p) => p.purpose === 'customer')?.id;
  if (write.participant === 'event') return event.participantId ?? recorded ?? customer();
  if (write.participant === 'customer') return customer();
  return event.userId === undefined ? undefined : participants?.find((p) => p.userId === event.userId)?.id;
}

/**
 * What `item` should write under `actions` (undefined: no action matches it, or the dispatcher refuses it): the action its kind and fields match, its writes rendered, each
 * participant resolved as the processor resolves it (an event without participantId writes to the participant
 * the generator recorded, else the conversation's customer). When `known` is given, attribute writes to
 * conversations or participants it does not list are left out (Genesys would answer 404).
 */
export function expectedOutcome(item: EntryOrEvent, actions: ActionsConfig, known?: ReadonlyMap<string, LoadConversation>): ExpectedOutcome | undefined {
  const entry = 'entry' in item ? item.entry : item;
  const event = parseEntry(entry);
  const planned = event === undefined ? undefined : writesFor(actions, event);
  if (event === undefined || planned === undefined) return undefined;
  const { conversationId } = event.body;
  const conversation = known?.get(conversationId);
  const writes = planned.writes.flatMap((write): ExpectedWrite[] => {
    if (write.type === 'conversationTag') return [{ ...write, conversationId }];
    if (write.type === 'dataTableRow') return [write];
    const participantId = participantOf(write, event.body, 'entry' in item ? item.participantId : undefined, conversation?.participants);
    if (participantId === undefined || (known !== undefined && !conversation?.participants.some((p) => p.id === participantId))) return [];
    return [{ type: write.type, conversationId, participantId, attributes: write.attributes }];
  });
  return planned.invalid === undefined ? { action: planned.action, writes } : { action: planned.action, writes: [], invalid: planned.invalid };
}

/**
 * The attributes each participant should end with once the pipeline has applied `events` under `actions`
 * (default actions.yaml). Independent of order and repeats: the order rule (docs/actions.md) sees to that.
 */
export function expectedState(events: readonly EntryOrEvent[], conversations?: readonly LoadConversation[], actions: ActionsConfig = defaultActions()): ExpectedState {
  return expectedGenesys(events, conversations, actions).attributes;
}

/** Everything the pipeline should leave in Genesys, each as `{outer: {inner: {key: value}}}`: comparable alike. */
export interface ExpectedGenesys {
  /** `{conversationId: {participantId: attributes}}`. */
  attributes: ExpectedState;
  /** `{datatableId: {key: row without its key}}`. */
  rows: ExpectedState;
  /** `{conversationId: {conversation: {externalTag}}}`. */
  tags: ExpectedState;
}

/** What `events` should leave in Genesys under `actions`: attributes, data table rows and tags. */
export function expectedGenesys(events: readonly EntryOrEvent[], conversations: readonly LoadConversation[] | undefined, actions: ActionsConfig): ExpectedGenesys {
  const known = conversations === undefined ? undefined : new Map(conversations.map((c) => [c.id, c]));
  const expected: ExpectedGenesys = { attributes: {}, rows: {}, tags: {} };
  const merge = (into: ExpectedState, outer: string, inner: string, values: Record<string, string>): void => void Object.assign(((into[outer] ??= {})[inner] ??= {}), values);
  for (const item of events) {
    for (const write of expectedOutcome(item, actions, known)?.writes ?? []) {
      if (write.type === 'participantAttributes') merge(expected.attributes, write.conversationId, write.participantId, write.attributes);
      else if (write.type === 'dataTableRow') merge(expected.rows, write.datatableId, write.key, write.values);
      else merge(expected.tags, write.conversationId, 'conversation', { externalTag: write.externalTag });
    }
  }
  return expected;
}
