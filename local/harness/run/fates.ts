/**
 * Where each event of a run went: applied (its attributes are on its participant in the simulator),
 * not acted on, parked (a copy in a DLQ, traced back by the EventBridge id every copy carries) or lost.
 */
import { attributesFor, isActedOn } from '../../../functions/processor/attributes.js';
import { ErrorName } from '../../../functions/shared/errors.js';
import type { ActedOnKind, ConversationEventBody } from '../../../functions/shared/events.js';
import type { ParkedMessage } from '../../../tools/dlq/peek.js';
import { parseEntry } from '../load/entry.js';
import type { Observation, RunEvent, RunExpectations } from './observation.js';

/** What became of one event. */
export interface EventFate {
  fate: 'applied' | 'notActedOn' | 'parked' | 'lost';
  /** Sent → first write of its attributes (applied events whose write the simulator recorded). */
  latencyMs?: number;
  /** A valid event parked, and not by design: the faults outlasted the retries. */
  validParked?: true;
  /** A malformed event not parked as InvalidEvent. */
  malformedNotParked?: true;
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
  customerOf: Map<string, string | undefined>;
}

function parkedFate(event: RunEvent, message: ParkedMessage, expectations: RunExpectations): EventFate {
  if (event.expected === 'valid') return expectations.parkedByDesign?.(message) === true ? { fate: 'parked' } : { fate: 'parked', validParked: true };
  return message.errorName === ErrorName.InvalidEvent ? { fate: 'parked' } : { fate: 'parked', malformedNotParked: true };
}

/** The first write that carried every one of `attributes` to the participant. */
function firstWriteAt(observation: Observation, conversationId: string, participantId: string, attributes: Record<string, string>): number | undefined {
  return observation.genesys.writes.find(
    (write) =>
      write.conversationId === conversationId &&
      write.participantId === participantId &&
      Object.entries(attributes).every(([key, value]) => write.attributes[key] === value),
  )?.time;
}

/** Applied when the simulator holds every attribute the event implies, else lost. */
function writtenFate(kind: ActedOnKind, body: ConversationEventBody, index: number, context: FateContext): EventFate {
  const { observation } = context;
  const { conversationId } = body;
  const participantId = body.participantId ?? context.customerOf.get(conversationId);
  if (participantId === undefined) return { fate: 'lost' };
  const attributes = attributesFor(kind, body);
  const have = observation.genesys.state[conversationId]?.[participantId];
  if (have === undefined || !Object.entries(attributes).every(([key, value]) => have[key] === value)) return { fate: 'lost' };
  const writtenAt = firstWriteAt(observation, conversationId, participantId, attributes);
  const sentAt = observation.publishedAt[index];
  return writtenAt === undefined || sentAt === undefined ? { fate: 'applied' } : { fate: 'applied', latencyMs: Math.max(0, writtenAt - sentAt) };
}

function fateOf(event: RunEvent, index: number, context: FateContext): EventFate {
  const id = context.observation.eventIds[index];
  const copy = id === undefined ? undefined : context.parked.get(id)?.[0];
  if (copy !== undefined) return parkedFate(event, copy, context.expectations);
  if (event.expected === 'malformed') return { fate: 'lost', malformedNotParked: true };
  const parsed = parseEntry(event.entry);
  if (parsed === undefined) return { fate: 'lost' };
  // Nothing to see in Genesys: done if the queue drained.
  if (!isActedOn(parsed.kind)) return { fate: context.observation.drained ? 'notActedOn' : 'lost' };
  return writtenFate(parsed.kind, parsed.body, index, context);
}

/** The fate of every event of the expectations, by index. */
export function eventFates(observation: Observation, expectations: RunExpectations): EventFate[] {
  const context: FateContext = {
    observation,
    expectations,
    parked: parkedByEventId(observation.parked),
    customerOf: new Map(expectations.conversations.map((c) => [c.id, c.participants.find((p) => p.purpose === 'customer')?.id])),
  };
  return expectations.events.map((event, index) => fateOf(event, index, context));
}
