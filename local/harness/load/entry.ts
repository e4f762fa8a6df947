/**
 * The load's unit: a PutEvents entry, the conversations the entries write to, and an entry as the
 * dispatcher will parse it. Envelope and fields: docs/design.md ("Genesys Cloud facts the code must respect").
 */
import { parseConversationEvent, type ConversationEvent } from '../../../functions/shared/events.js';

/** A PutEvents entry (assignable to `PutEventsRequestEntry` of @aws-sdk/client-eventbridge). */
export interface EventEntry {
  Source: string;
  DetailType: string;
  /** The event's `detail`, as a JSON string. */
  Detail: string;
  EventBusName?: string;
  Time?: Date;
  Resources?: string[];
}

/** A participant of a conversation the load writes to. */
export interface LoadParticipant {
  id: string;
  purpose: string;
  /** The agent's Genesys user, for actions that write to the agent. */
  userId?: string;
  /** Attributes it starts with (a `--conversations` file may give some); none by default. */
  attributes?: Record<string, string>;
}

/** A conversation of the load: what the Genesys simulator must know for the writes to land. */
export interface LoadConversation {
  id: string;
  participants: LoadParticipant[];
}

/** Attributes per conversation and participant: `{conversationId: {participantId: attributes}}`. */
export type ExpectedState = Record<string, Record<string, Record<string, string>>>;

/** The entry as the dispatcher will see it, parsed by the dispatcher's own rules; undefined when it would be rejected. */
export function parseEntry(entry: EventEntry): ConversationEvent | undefined {
  try {
    const envelope = {
      version: '0',
      id: 'expected-state',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      // EventBridge writes `time` to the second (`2024-01-15T09:00:00Z`), as templates then read it.
      time: entry.Time?.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail) as unknown,
    };
    return parseConversationEvent(JSON.stringify(envelope));
  } catch {
    return undefined;
  }
}
