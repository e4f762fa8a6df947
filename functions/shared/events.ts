/**
 * The Genesys Cloud conversation event as EventBridge delivers it, and the workflow input built from it.
 * Envelope and field reference: docs/design.md ("Genesys Cloud facts the code must respect"). Genesys marks every body field optional, so
 * only what the pipeline relies on is required here.
 */
import { InvalidEvent } from './errors.js';

/** Kinds seen on the `v2.detail.events.conversation.{id}.<kind>` topics. */
export const CONVERSATION_EVENT_KINDS = [
  'acd.start',
  'acd.end',
  'acw',
  'attributes',
  'customer.start',
  'customer.end',
  'flow.start',
  'flow.end',
  'outbound',
  'user.start',
  'user.end',
  'voicemail.start',
  'voicemail.end',
] as const;

/** EventBridge puts Genesys events under this source prefix (partner sources, test ones included). */
export const GENESYS_SOURCE_PREFIX = 'aws.partner/genesys.com';
export const CONVERSATION_DETAIL_TYPE_PREFIX = 'v2.detail.events.conversation.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KIND = /^[a-z]+(?:\.[a-z]+)?$/;
/** Above this the event cannot be an honest Genesys event, and it would not fit a workflow input. */
export const MAX_EVENT_BYTES = 200_000;
/** The latest time a JavaScript Date holds (ECMAScript, "Time Values and Time Range"): later, `toISOString` throws. */
export const MAX_EVENT_TIME_MS = 8.64e15;

/** Whether `value` is a UUID in its canonical textual form: the only ids the pipeline puts in a URL. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The parts of `detail.eventBody` the pipeline reads; everything else is passed through untouched. */
export interface ConversationEventBody {
  conversationId: string;
  participantId?: string;
  eventTime?: number;
  queueId?: string;
  userId?: string;
  wrapupCode?: string;
  disconnectType?: string;
  [field: string]: unknown;
}

/** What the Express workflow receives for one event: routed on `kind` and the actions' tests, processed from `body`. */
export interface WorkflowInput {
  /** The SQS message id: the idempotency key, carried for log correlation. */
  messageId: string;
  /** The EventBridge event id. */
  eventId: string;
  kind: string;
  /** Genesys' `detail.metadata.CorrelationId`, when present. */
  correlationId?: string;
  /** The EventBridge envelope's `time`, for templates (`{{time}}`). */
  time?: string;
  /** The event's `detail` without its eventBody (topicName, version, metadata, timestamp), for templates and tests. */
  detail?: Record<string, unknown>;
  body: ConversationEventBody;
  /** The plan of the action that matched, put here by the workflow's routing (functions/shared/actions/plan.ts). */
  action?: unknown;
  /** What the action's own step returned, put here by the workflow (`ResultPath: $.step`). */
  step?: unknown;
}

/** A parsed and validated conversation event. */
export interface ConversationEvent {
  eventId: string;
  kind: string;
  topicName: string;
  correlationId?: string;
  /** The envelope's `time`, when a string. */
  time?: string;
  /** `detail` without eventBody. */
  detail: Record<string, unknown>;
  body: ConversationEventBody;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}…` : JSON.stringify(value);
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Validates the fields the workflow and the Genesys client rely on. Shared by the dispatcher (on the
 * SQS body) and the processor (on its task payload), so a payload given to either by hand is held
 * to the same rules.
 */
export function validateEventBody(value: unknown): ConversationEventBody {
  if (!isRecord(value)) throw new InvalidEvent(`detail.eventBody must be an object, got ${describe(value)}`);
  const { conversationId, participantId, eventTime } = value;
  if (!isUuid(conversationId)) {
    throw new InvalidEvent(`detail.eventBody.conversationId must be a UUID, got ${describe(conversationId)}`);
  }
  if (participantId !== undefined && !isUuid(participantId)) {
    throw new InvalidEvent(`detail.eventBody.participantId must be a UUID, got ${describe(participantId)}`);
  }
  if (eventTime !== undefined && !(typeof eventTime === 'number' && Number.isSafeInteger(eventTime) && eventTime >= 0 && eventTime <= MAX_EVENT_TIME_MS)) {
    throw new InvalidEvent(`detail.eventBody.eventTime must be epoch milliseconds up to ${MAX_EVENT_TIME_MS}, got ${describe(eventTime)}`);
  }
  for (const field of ['queueId', 'userId', 'wrapupCode', 'disconnectType'] as const) {
    const fieldValue = value[field];
    if (fieldValue !== undefined && typeof fieldValue !== 'string') {
      throw new InvalidEvent(`detail.eventBody.${field} must be a string, got ${describe(fieldValue)}`);
    }
  }
  return value as ConversationEventBody;
}

/** The kind at the end of a conversation topic: `v2.detail.events.conversation.{id}.customer.start` → `customer.start`. */
export function kindOfTopic(topic: string): string | undefined {
  return splitTopic(topic)?.kind;
}

/** A conversation topic's id segment (`{id}` in a detail-type, the conversation id in a topicName) and kind. */
function splitTopic(topic: string): { id: string; kind: string } | undefined {
  if (!topic.startsWith(CONVERSATION_DETAIL_TYPE_PREFIX)) return undefined;
  const rest = topic.slice(CONVERSATION_DETAIL_TYPE_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return undefined;
  const kind = rest.slice(dot + 1);
  return KIND.test(kind) ? { id: rest.slice(0, dot), kind } : undefined;
}

/**
 * Checks the concrete topic, when the event carries one, against the kind of its detail-type (what the
 * EventBridge rule matches) and the body's conversation: a topicName naming another kind or another
 * conversation is an event that contradicts itself, and which of its halves to believe is a guess.
 * @throws InvalidEvent
 */
function checkTopic(topicName: unknown, kind: string, conversationId: string): void {
  if (topicName === undefined) return;
  const topic = typeof topicName === 'string' ? splitTopic(topicName) : undefined;
  if (topic === undefined) throw new InvalidEvent(`detail.topicName ${describe(topicName)} is not a conversation topic`);
  if (topic.kind !== kind) throw new InvalidEvent(`detail.topicName names the kind ${describe(topic.kind)}, detail-type ${describe(kind)}`);
  if (topic.id.toLowerCase() !== conversationId.toLowerCase()) {
    throw new InvalidEvent(`detail.topicName names the conversation ${describe(topic.id)}, detail.eventBody.conversationId ${describe(conversationId)}`);
  }
}

/**
 * Parses an SQS message body into a conversation event.
 * @throws InvalidEvent naming the first thing that is wrong; never anything else.
 */
export function parseConversationEvent(body: string): ConversationEvent {
  if (Buffer.byteLength(body, 'utf8') > MAX_EVENT_BYTES) {
    throw new InvalidEvent(`body is larger than ${MAX_EVENT_BYTES} bytes`);
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch (error) {
    throw new InvalidEvent('body is not JSON', { cause: error });
  }
  if (!isRecord(envelope)) throw new InvalidEvent(`body must be a JSON object, got ${describe(envelope)}`);

  const { id, source, detail } = envelope;
  const detailType = envelope['detail-type'];
  if (typeof id !== 'string' || id.length === 0 || typeof detailType !== 'string' || typeof source !== 'string') {
    throw new InvalidEvent('body is not an EventBridge event (id, detail-type and source must be strings)');
  }
  if (!source.startsWith(GENESYS_SOURCE_PREFIX)) {
    throw new InvalidEvent(`source ${describe(source)} is not a Genesys Cloud partner source`);
  }
  if (!isRecord(detail)) throw new InvalidEvent(`detail must be an object, got ${describe(detail)}`);

  const kind = detailType.startsWith(CONVERSATION_DETAIL_TYPE_PREFIX) ? kindOfTopic(detailType) : undefined;
  if (kind === undefined) throw new InvalidEvent(`detail-type ${describe(detailType)} is not a conversation detail event`);
  const eventBody = validateEventBody(detail.eventBody);
  checkTopic(detail.topicName, kind, eventBody.conversationId);
  const topicName = typeof detail.topicName === 'string' ? detail.topicName : detailType;
  const metadata = isRecord(detail.metadata) ? detail.metadata : {};
  const correlationId = typeof metadata.CorrelationId === 'string' ? metadata.CorrelationId : undefined;
  const { eventBody: _body, ...rest } = detail;
  const event: ConversationEvent = { eventId: id, kind, topicName, correlationId, detail: rest, body: eventBody };
  if (typeof envelope.time === 'string') event.time = envelope.time;
  return event;
}

/** The workflow input for one SQS message. */
export function toWorkflowInput(messageId: string, event: ConversationEvent): WorkflowInput {
  const input: WorkflowInput = { messageId, eventId: event.eventId, kind: event.kind, detail: event.detail, body: event.body };
  if (event.correlationId !== undefined) input.correlationId = event.correlationId;
  if (event.time !== undefined) input.time = event.time;
  return input;
}

/**
 * Validates a workflow input (the processor's task payload).
 * @throws InvalidEvent
 */
export function parseWorkflowInput(value: unknown): WorkflowInput {
  if (!isRecord(value)) throw new InvalidEvent(`task payload must be an object, got ${describe(value)}`);
  const { messageId, eventId, kind, correlationId, time, detail } = value;
  if (typeof messageId !== 'string' || typeof eventId !== 'string') {
    throw new InvalidEvent('task payload must carry messageId and eventId strings');
  }
  if (typeof kind !== 'string' || !KIND.test(kind)) throw new InvalidEvent(`task payload kind ${describe(kind)} is not an event kind`);
  if (correlationId !== undefined && typeof correlationId !== 'string') {
    throw new InvalidEvent('task payload correlationId must be a string');
  }
  if (time !== undefined && typeof time !== 'string') throw new InvalidEvent('task payload time must be a string');
  if (detail !== undefined && !isRecord(detail)) throw new InvalidEvent('task payload detail must be an object');
  const input: WorkflowInput = { messageId, eventId, kind, body: validateEventBody(value.body) };
  if (correlationId !== undefined) input.correlationId = correlationId;
  if (time !== undefined) input.time = time;
  if (detail !== undefined) input.detail = detail;
  if (value.action !== undefined) input.action = value.action;
  if (value.step !== undefined) input.step = value.step;
  return input;
}
