/**
 * The conversations the Genesys simulator must know for a user's own events (`npm start -- --events-file`):
 * read from a `--conversations` file in the simulator's format, or implied by the events themselves.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isRecord, isUuid } from '../../../functions/shared/events.js';
import { writesFor, type ActionsConfig } from '../../../tools/actions/index.js';
import { parseEntry, type EventEntry, type LoadConversation, type LoadParticipant } from './entry.js';

/** A `--conversations` file that is not the simulator's format; the message names the file and the item. */
export class ConversationsFileError extends Error {
  override readonly name = 'ConversationsFileError';
}

/** The purpose of the participant an event of `kind` names (the processor reads only `customer`; the rest is for a reader). */
function purposeOf(kind: string): string {
  if (kind.startsWith('customer')) return 'customer';
  if (kind.startsWith('acd')) return 'acd';
  return kind.startsWith('flow') ? 'ivr' : 'agent';
}

/** A participant id of the conversation's own, the same on every run, for a participant no event names. */
export function impliedParticipantId(conversationId: string, role: string): string {
  const hex = createHash('sha256').update(`${conversationId}/${role}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What one conversation's events say of its participants so far. */
interface Implied {
  participants: Map<string, LoadParticipant>;
  needsCustomer: boolean;
  agents: Set<string>;
}

/** Notes what `entry` implies of its conversation: the participant it names, and whom its action writes to otherwise. */
function note(conversations: Map<string, Implied>, entry: EventEntry, actions: ActionsConfig): void {
  // A malformed event (undefined) is one the pipeline parks: it writes to no one.
  const event = parseEntry(entry);
  if (event === undefined) return;
  const { conversationId, participantId, userId } = event.body;
  const implied = conversations.get(conversationId) ?? { participants: new Map(), needsCustomer: false, agents: new Set<string>() };
  conversations.set(conversationId, implied);
  if (participantId !== undefined && !implied.participants.has(participantId)) {
    const purpose = purposeOf(event.kind);
    implied.participants.set(participantId, { id: participantId, purpose, ...(purpose === 'agent' && userId !== undefined ? { userId } : {}) });
  }
  for (const write of writesFor(actions, event)?.writes ?? []) {
    if (write.type !== 'participantAttributes') continue;
    // The processor writes an event without participantId to the customer it finds in GET /conversations/{id}.
    if (write.participant === 'customer' || (write.participant === 'event' && participantId === undefined)) implied.needsCustomer = true;
    if (write.participant === 'agent' && userId !== undefined) implied.agents.add(userId);
  }
}

/**
 * The conversations `entries` imply under `actions`: each participant an event names (a customer.* event's as the
 * customer, a user.* or acw event's as an agent with the event's userId), plus a customer where an action writes to
 * one and none is named, and an agent for each userId an action writes to and no participant has.
 */
export function conversationsOf(entries: readonly EventEntry[], actions: ActionsConfig): LoadConversation[] {
  const conversations = new Map<string, Implied>();
  for (const entry of entries) note(conversations, entry, actions);
  return [...conversations].map(([id, { participants, needsCustomer, agents }]) => {
    const known = [...participants.values()];
    if (needsCustomer && !known.some((participant) => participant.purpose === 'customer')) known.push({ id: impliedParticipantId(id, 'customer'), purpose: 'customer' });
    for (const userId of agents) if (!known.some((participant) => participant.userId === userId)) known.push({ id: impliedParticipantId(id, `agent/${userId}`), purpose: 'agent', userId });
    return { id, participants: known };
  });
}

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === 'string')) throw new ConversationsFileError(`${where}.attributes must be an object of strings`);
  return value as Record<string, string>;
}

function participantOf(value: unknown, where: string): LoadParticipant {
  if (!isRecord(value)) throw new ConversationsFileError(`${where} is not an object`);
  const { id, purpose, userId, attributes } = value;
  if (!isUuid(id)) throw new ConversationsFileError(`${where}.id must be a UUID, got ${JSON.stringify(id)}`);
  if (typeof purpose !== 'string') throw new ConversationsFileError(`${where}.purpose must be a string (customer, agent, acd, ivr, ...)`);
  if (userId !== undefined && typeof userId !== 'string') throw new ConversationsFileError(`${where}.userId must be a string`);
  return { id, purpose, ...(userId === undefined ? {} : { userId }), ...(attributes === undefined ? {} : { attributes: stringRecord(attributes, where) }) };
}

/**
 * Reads a `--conversations` file: the simulator's format (local/genesys-sim/conversations.ts), a JSON array of
 * `{"id", "participants": [{"id", "purpose", "userId"?, "attributes"?}]}`, ids UUIDs.
 * @throws ConversationsFileError naming the file and the item that is wrong.
 */
export function readConversationsFile(path: string): LoadConversation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConversationsFileError(`${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new ConversationsFileError(`${path} must hold a JSON array of conversations`);
  return parsed.map((item: unknown, index) => {
    const where = `${path} item ${index + 1}`;
    if (!isRecord(item) || !isUuid(item.id)) throw new ConversationsFileError(`${where} needs an "id" that is a UUID`);
    if (!Array.isArray(item.participants)) throw new ConversationsFileError(`${where} needs a "participants" array`);
    return { id: item.id, participants: item.participants.map((participant: unknown, at) => participantOf(participant, `${where} participant ${at + 1}`)) };
  });
}

/** The conversations of a user's events: those of the file, and for every other conversation the events write to, the implied ones. */
export function userConversations(entries: readonly EventEntry[], actions: ActionsConfig, file?: readonly LoadConversation[]): LoadConversation[] {
  const given = new Set(file?.map((conversation) => conversation.id));
  return [...(file ?? []), ...conversationsOf(entries, actions).filter((conversation) => !given.has(conversation.id))];
}
