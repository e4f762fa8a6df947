/** The participant attributes the pipeline should leave behind once it has applied a load, to check a run against. */
import { attributesFor, isActedOn } from '../../../functions/processor/attributes.js';
import { parseEntry, type EventEntry, type ExpectedState, type LoadConversation } from './entry.js';

/** An entry, or a generated event that also knows the participant its body may leave out. */
export type EntryOrEvent = EventEntry | { entry: EventEntry; participantId?: string };

/**
 * The attributes each participant should end with once the pipeline has applied `events`: the
 * valid, acted-on ones, each writing `attributesFor` its kind. An event without participantId writes
 * to the participant the generator recorded, else to the conversation's customer in `conversations`
 * (the processor looks the customer up). When `conversations` is given, writes to conversations or
 * participants it does not list are left out (Genesys would answer 404). Independent of order and repeats.
 */
export function expectedState(events: readonly EntryOrEvent[], conversations?: readonly LoadConversation[]): ExpectedState {
  const known = conversations === undefined ? undefined : new Map(conversations.map((c) => [c.id, c]));
  const state: ExpectedState = {};
  for (const item of events) {
    const entry = 'entry' in item ? item.entry : item;
    const event = parseEntry(entry);
    if (event === undefined || !isActedOn(event.kind)) continue;
    const conversationId = event.body.conversationId;
    const conversation = known?.get(conversationId);
    const participantId =
      event.body.participantId ??
      ('entry' in item ? item.participantId : undefined) ??
      conversation?.participants.find((p) => p.purpose === 'customer')?.id;
    if (participantId === undefined) continue;
    if (known !== undefined && !conversation?.participants.some((p) => p.id === participantId)) continue;
    Object.assign(((state[conversationId] ??= {})[participantId] ??= {}), attributesFor(event.kind, event.body));
  }
  return state;
}
