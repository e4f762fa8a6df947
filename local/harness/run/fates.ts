/**
 * Where each event of a run went: filtered by the rule (its pattern does not match the event, so it never reached SQS),
 * applied (what its action writes is in the simulator: attributes on their participant, data table rows, tags), not
 * acted on (no action matches it), parked (a copy in a DLQ, traced back by the EventBridge id every copy carries) or lost.
 */
import { ErrorName } from '../../../functions/shared/errors.js';
import { defaultActions, type ActionsConfig } from '../../../tools/actions/index.js';
import type { ParkedMessage } from '../../../tools/dlq/peek.js';
import { parseEntry, type EventEntry, type LoadConversation } from '../load/entry.js';
import { expectedOutcome, type ExpectedWrite } from '../load/expected-state.js';
import type { Observation, RunEvent, RunExpectations } from './observation.js';
import { envelopeOf, unmatchedFields } from './rule-pattern.js';

/** What became of one event. */
export interface EventFate {
  fate: 'applied' | 'notActedOn' | 'parked' | 'lost';
  /** An applied event: the action that wrote it, and how many writes it made. */
  action?: { name: string; writes: number };
  /** A not acted on event the rule's pattern does not match: it never reached SQS. `fields` names what failed (detail-type, source). */
  filteredByRule?: { detailType: string; source: string; fields: string[] };
  /** A parked event: the reason its DLQ copy carries, as the dispatcher or EventBridge wrote it. */
  parked?: { errorName: string; errorMessage?: string };
  /** Sent → first write of its attributes (applied events whose write the simulator recorded). */
  latencyMs?: number;
  /** A valid event parked, and not by design: {@link EventFate.parked} says why. */
  validParked?: true;
  /** A malformed event not parked as InvalidEvent. */
  malformedNotParked?: true;
}

const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A detail-type with its ids as `{id}`, as Genesys writes it: events of one kind read as one line of the summary. */
export function detailTypeShape(detailType: string): string {
  return detailType.replace(UUID_IN_TEXT, '{id}');
}

/** What the rule keeps from SQS of `entry`: the fields of its pattern the event fails, undefined when it matches. */
export function filteredByRule(pattern: Record<string, unknown>, entry: EventEntry): EventFate['filteredByRule'] {
  const fields = unmatchedFields(pattern, envelopeOf(entry));
  return fields.length === 0 ? undefined : { detailType: detailTypeShape(entry.DetailType), source: entry.Source, fields };
}

/** The `id` of the EventBridge event a parked body holds; undefined for a body that is not one. */
export function envelopeIdOf(body: string): string | undefined {
  try {
    const envelope: unknown = JSON.parse(body);
    const id = (envelope as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The parked copies of each event id, earliest first (as the DLQ reader lists them). */
export function parkedByEventId(parked: readonly ParkedMessage[]): Map<string, ParkedMessage[]> {
  const byId = new Map<string, ParkedMessage[]>();
  for (const message of parked) {
    const id = envelopeIdOf(message.body);
    if (id !== undefined) byId.set(id, [...(byId.get(id) ?? []), message]);
  }
  return byId;
}

/** What deciding a fate reads, prepared once per run. */
interface FateContext {
  observation: Observation;
  expectations: RunExpectations;
  parked: Map<string, ParkedMessage[]>;
  conversations: ReadonlyMap<string, LoadConversation>;
  actions: ActionsConfig;
}

function parkedFate(event: RunEvent, message: ParkedMessage, expectations: RunExpectations): EventFate {
  const parked = { fate: 'parked' as const, parked: { errorName: message.errorName, ...(message.errorMessage === undefined ? {} : { errorMessage: message.errorMessage }) } };
  if (event.expected === 'valid') return expectations.parkedByDesign?.(message) === true ? parked : { ...parked, validParked: true };
  return message.errorName === ErrorName.InvalidEvent ? parked : { ...parked, malformedNotParked: true };
}

function includes(have: Record<string, string> | undefined, want: Record<string, string>): boolean {
  return have !== undefined && Object.entries(want).every(([key, value]) => have[key] === value);
}

/** Whether the simulator holds what `write` writes. */
function holds(observation: Observation, write: ExpectedWrite): boolean {
  const { genesys } = observation;
  if (write.type === 'participantAttributes') return includes(genesys.state[write.conversationId]?.[write.participantId], write.attributes);
  if (write.type === 'dataTableRow') return includes(genesys.tables[write.datatableId]?.[write.key], write.values);
  return genesys.tags[write.conversationId] === write.externalTag;
}

/** The first attributes write that carried every one of `write`'s attributes to its participant. */
function firstWriteAt(observation: Observation, write: Extract<ExpectedWrite, { type: 'participantAttributes' }>): number | undefined {
  return observation.genesys.writes.find(
    (made) => made.conversationId === write.conversationId && made.participantId === write.participantId && includes(made.attributes, write.attributes),
  )?.time;
}

/** Applied when the simulator holds every write the event's action implies, else lost; latency to its last attributes write. */
function writtenFate(writes: readonly ExpectedWrite[], index: number, context: FateContext): EventFate {
  const { observation } = context;
  if (!writes.every((write) => holds(observation, write))) return { fate: 'lost' };
  const times = writes.flatMap((write) => (write.type === 'participantAttributes' ? [firstWriteAt(observation, write)] : []));
  const sentAt = observation.publishedAt[index];
  if (sentAt === undefined || times.length === 0 || times.some((time) => time === undefined)) return { fate: 'applied' };
  return { fate: 'applied', latencyMs: Math.max(0, Math.max(...(times as number[])) - sentAt) };
}

function fateOf(event: RunEvent, index: number, context: FateContext): EventFate {
  const id = context.observation.eventIds[index];
  const copy = id === undefined ? undefined : context.parked.get(id)?.[0];
  if (copy !== undefined) return parkedFate(event, copy, context.expectations);
  // Filtered before SQS, it is done at once, whether it would pass the dispatcher or not and whatever the queue does.
  const filtered = filteredByRule(context.observation.rulePattern, event.entry);
  if (filtered !== undefined) return { fate: 'notActedOn', filteredByRule: filtered };
  if (event.expected === 'malformed') return { fate: 'lost', malformedNotParked: true };
  // A valid event the dispatcher's own rules refuse is one it parks: not parked, it is lost.
  if (parseEntry(event.entry) === undefined) return { fate: 'lost' };
  const outcome = expectedOutcome(event.entry, context.actions, context.conversations);
  // An event its action cannot fill is parked as InvalidEvent by the processor: not parked, it is lost.
  if (outcome?.invalid !== undefined) return { fate: 'lost' };
  // Routed past Genesys by the workflow: nothing to see there, done if the queue drained.
  if (outcome === undefined) return context.observation.drained ? { fate: 'notActedOn' } : { fate: 'lost' };
  const fate = writtenFate(outcome.writes, index, context);
  return fate.fate === 'applied' ? { ...fate, action: { name: outcome.action, writes: outcome.writes.length } } : fate;
}

/** The fate of every event of the expectations, by index. */
export function eventFates(observation: Observation, expectations: RunExpectations): EventFate[] {
  const actions = expectations.actions ?? defaultActions();
  const context: FateContext = {
    observation,
    expectations,
    parked: parkedByEventId(observation.parked),
    conversations: new Map(expectations.conversations.map((conversation) => [conversation.id, conversation])),
    actions,
  };
  return expectations.events.map((event, index) => fateOf(event, index, context));
}
