/** The conversation resources the processor calls: GET a conversation, PATCH a participant's attributes, PUT its tags. */
import type { IncomingMessage } from 'node:http';
import { isRecord, isUuid } from '../../../functions/shared/events.js';
import type { SimulatorContext } from '../context.js';
import type { StoredConversation } from '../conversations.js';
import { readBody } from '../http.js';
import type { Reply } from '../reply.js';

/** The conversation the request names, or undefined once it has answered 400 / 403 / 404. */
function findConversation(context: SimulatorContext, reply: Reply, headers: Record<string, string>): StoredConversation | undefined {
  const id = reply.entry.conversationId ?? '';
  if (!isUuid(id)) {
    reply.apiError(400, `The conversation id ${JSON.stringify(id)} is not a valid id`, headers);
    return undefined;
  }
  if (context.settings.forbiddenConversations.has(id)) {
    reply.apiError(403, 'You are not authorized to access this conversation', headers);
    return undefined;
  }
  const conversation = context.conversations.find(id);
  if (conversation === undefined) reply.apiError(404, `The conversation ${id} was not found`, headers);
  return conversation;
}

/** GET /api/v2/conversations/{id}: the conversation with its participants and their attributes. */
export function getConversation(context: SimulatorContext, reply: Reply, headers: Record<string, string>): void {
  const conversation = findConversation(context, reply, headers);
  if (conversation === undefined) return;
  reply.send(200, { ...context.conversations.view(conversation.id), selfUri: `/api/v2/conversations/${conversation.id}` }, headers);
}

/** The attributes of a PATCH body, or the 400 message that refuses it: Genesys takes only string values. */
function attributesOf(text: string): Record<string, string> | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'The request body is not valid JSON';
  }
  const attributes = isRecord(body) ? body.attributes : undefined;
  if (!isRecord(attributes)) return 'attributes must be an object of string values';
  const notString = Object.entries(attributes).find(([, value]) => typeof value !== 'string');
  return notString === undefined ? (attributes as Record<string, string>) : `attributes.${notString[0]} must be a string`;
}

/** PATCH .../participants/{pid}/attributes: Genesys merges the given keys into the participant's attributes and answers 202 Accepted. */
export async function patchAttributes(context: SimulatorContext, req: IncomingMessage, reply: Reply, headers: Record<string, string>): Promise<void> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    return reply.apiError(400, (error as Error).message, headers);
  }
  const conversation = findConversation(context, reply, headers);
  if (conversation === undefined) return;
  const participantId = reply.entry.participantId ?? '';
  if (!isUuid(participantId)) return reply.apiError(400, `The participant id ${JSON.stringify(participantId)} is not a valid id`, headers);
  const participant = conversation.participants.get(participantId);
  if (participant === undefined) return reply.apiError(404, `The participant ${participantId} was not found`, headers);
  const written = attributesOf(text);
  if (typeof written === 'string') return reply.apiError(400, written, headers);
  Object.assign(participant.attributes, written);
  const { time, token } = reply.entry;
  context.ledger.recordWrite({ time, conversationId: conversation.id, participantId, attributes: { ...written }, token });
  reply.send(202, undefined, headers);
}

/** PUT /api/v2/conversations/{id}/tags: sets the conversation's external tag (body ConversationTagsUpdate). */
export async function putTags(context: SimulatorContext, req: IncomingMessage, reply: Reply, headers: Record<string, string>): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return reply.apiError(400, 'The request body is not valid JSON', headers);
  }
  const conversation = findConversation(context, reply, headers);
  if (conversation === undefined) return;
  const externalTag = isRecord(body) ? body.externalTag : undefined;
  if (typeof externalTag !== 'string') return reply.apiError(400, 'externalTag must be a string', headers);
  conversation.externalTag = externalTag;
  reply.send(202, undefined, headers);
}
