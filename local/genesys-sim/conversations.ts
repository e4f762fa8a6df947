/** The conversations the simulator knows and their participants' attributes: what a PATCH changes and a GET reads. */
import { isUuid } from '../../functions/shared/events.js';

/** A conversation participant; `attributes` are the ones it starts with (none by default). */
export interface SimulatorParticipant {
  id: string;
  purpose: string;
  /** An agent's Genesys user id, as GET /api/v2/conversations/{id} returns it. */
  userId?: string;
  attributes?: Record<string, string>;
}

/** A conversation the simulator knows. */
export interface SimulatorConversation {
  id: string;
  participants: SimulatorParticipant[];
}

/** Participant attributes per conversation and participant: `{conversationId: {participantId: attributes}}`. */
export type SimulatorState = Record<string, Record<string, Record<string, string>>>;

/** A participant as stored: its attributes always present. */
export interface StoredParticipant {
  id: string;
  purpose: string;
  userId?: string;
  attributes: Record<string, string>;
}

/** A conversation as stored: participants by id. */
export interface StoredConversation {
  id: string;
  participants: Map<string, StoredParticipant>;
  /** What the last PUT .../tags set. */
  externalTag?: string;
}

/** The store; ids must be UUIDs, as Genesys' are. */
export class ConversationStore {
  private readonly conversations = new Map<string, StoredConversation>();

  /** Registers (or replaces) a conversation; a RangeError when an id is not a UUID. */
  add(conversation: SimulatorConversation): void {
    if (!isUuid(conversation.id)) throw new RangeError(`conversation id ${JSON.stringify(conversation.id)} is not a UUID`);
    const participants = new Map<string, StoredParticipant>();
    for (const { id, purpose, userId, attributes = {} } of conversation.participants) {
      if (!isUuid(id)) throw new RangeError(`participant id ${JSON.stringify(id)} is not a UUID`);
      participants.set(id, { id, purpose, ...(userId === undefined ? {} : { userId }), attributes: { ...attributes } });
    }
    this.conversations.set(conversation.id, { id: conversation.id, participants });
  }

  /** The stored conversation itself, for a route to read or change. */
  find(id: string): StoredConversation | undefined {
    return this.conversations.get(id);
  }

  /** A copy of a known conversation with its current attributes. */
  view(id: string): SimulatorConversation | undefined {
    const conversation = this.conversations.get(id);
    if (conversation === undefined) return undefined;
    return {
      id: conversation.id,
      participants: [...conversation.participants.values()].map((p) => ({ id: p.id, purpose: p.purpose, ...(p.userId === undefined ? {} : { userId: p.userId }), attributes: { ...p.attributes } })),
    };
  }

  /** The external tag of every conversation that has one: `{conversationId: externalTag}`. */
  tags(): Record<string, string> {
    return Object.fromEntries([...this.conversations.values()].flatMap((c) => (c.externalTag === undefined ? [] : [[c.id, c.externalTag]])));
  }

  /** Attributes per conversation and participant: those that have some, or every known one with `includeEmpty`. */
  state(options: { includeEmpty?: boolean } = {}): SimulatorState {
    const state: SimulatorState = {};
    for (const conversation of this.conversations.values()) {
      for (const participant of conversation.participants.values()) {
        if (!options.includeEmpty && Object.keys(participant.attributes).length === 0) continue;
        (state[conversation.id] ??= {})[participant.id] = { ...participant.attributes };
      }
      if (options.includeEmpty) state[conversation.id] ??= {};
    }
    return state;
  }
}
