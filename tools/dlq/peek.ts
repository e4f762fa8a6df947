/**
 * The one reader of the dead-letter queues, for the DLQ tool and the local harness alike: every parked
 * message without consuming it, with the reason it was parked for (the dispatcher's errorName,
 * EventBridge's ERROR_CODE, or what SQS or EventBridge moving it means), grouped by that reason.
 */
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { kindOfTopic } from '../../functions/shared/events.js';
import { QUEUE_LOGICAL_IDS, type QueueRef } from './queues.js';

/** Which dead-letter queue: the dispatcher's (`events`) or the EventBridge rule target's (`rule`). */
export type DeadLetterQueueName = 'events' | 'rule';

/** What a peek needs of a queue: its URL, and its logical id (QUEUE_LOGICAL_IDS) for the reasons of unnamed messages. */
export type PeekedQueue = Pick<QueueRef, 'name' | 'url'>;

/** A parked message as the tool shows it. */
export interface ParkedMessage {
  messageId: string;
  queue: string;
  /** The dispatcher's `errorName`; EventBridge's `ERROR_CODE` in the rule's DLQ; else the queue's UNNAMED_PARK_REASONS. */
  errorName: string;
  errorMessage?: string;
  /** The EventsQueue message id it was parked from (the dispatcher's `sourceMessageId`). */
  sourceMessageId?: string;
  /** When it entered the queue it is in (epoch ms). */
  sentAt: number;
  /** Receives while parked (each list or show counts one). */
  receiveCount: number;
  attributes: Record<string, string>;
  body: string;
  /** From the body, when it is a Genesys conversation event. */
  kind?: string;
  conversationId?: string;
}

/** Parked messages of one error name. */
export interface ErrorGroup {
  errorName: string;
  count: number;
  oldestSentAt: number;
  /** The message id of the oldest, for `show`. */
  oldestMessageId: string;
}

/**
 * The reason of a message parked without one of ours: in the events DLQ SQS moved it itself after
 * maxReceiveCount; in the rule DLQ EventBridge gave up delivering it (AWS adds ERROR_CODE, the local stack does not).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export const UNNAMED_PARK_REASONS: Record<DeadLetterQueueName, string> = {
  events: 'MaxReceiveCountExceeded',
  rule: 'EventBridge.DeliveryFailed',
};

/** How long a peek keeps messages invisible before handing them back; a peek of the whole queue must fit. */
const PEEK_VISIBILITY_SECONDS = 120;

/** Which dead-letter queue a queue is, by its logical id; anything but the rule's counts as the events DLQ. */
export function deadLetterQueueName(queue: Pick<PeekedQueue, 'name'>): DeadLetterQueueName {
  return queue.name === QUEUE_LOGICAL_IDS.ruleDeadLetter ? 'rule' : 'events';
}

/** A received message as the tool shows it, with its reason. */
export function parked(queue: PeekedQueue, message: Message): ParkedMessage {
  const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue ?? '']));
  const errorName = attributes.errorName ?? attributes.ERROR_CODE ?? UNNAMED_PARK_REASONS[deadLetterQueueName(queue)];
  let kind: string | undefined;
  let conversationId: string | undefined;
  try {
    const event = JSON.parse(message.Body ?? '') as { 'detail-type'?: unknown; detail?: { eventBody?: { conversationId?: unknown } } };
    if (typeof event['detail-type'] === 'string') kind = kindOfTopic(event['detail-type']) ?? event['detail-type'];
    if (typeof event.detail?.eventBody?.conversationId === 'string') conversationId = event.detail.eventBody.conversationId;
  } catch {
    // not JSON: an InvalidEvent, shown as it is
  }
  return {
    messageId: message.MessageId ?? '',
    queue: queue.name,
    errorName,
    errorMessage: attributes.errorMessage ?? attributes.ERROR_MESSAGE,
    sourceMessageId: attributes.sourceMessageId,
    sentAt: Number(message.Attributes?.SentTimestamp ?? 0),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    attributes,
    body: message.Body ?? '',
    ...(kind === undefined ? {} : { kind }),
    ...(conversationId === undefined ? {} : { conversationId }),
  };
}

/** Makes received messages visible again at once. */
export async function release(sqs: SQSClient, queue: PeekedQueue, receiptHandles: readonly string[]): Promise<void> {
  for (let offset = 0; offset < receiptHandles.length; offset += 10) {
    const entries = receiptHandles.slice(offset, offset + 10).map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
    // A handle that expired meanwhile fails alone; its message is visible again anyway.
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queue.url, Entries: entries }));
  }
}

/** One receive of up to 10 messages, attributes and all, hidden for PEEK_VISIBILITY_SECONDS. */
export async function receive(sqs: SQSClient, queue: PeekedQueue): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}

/**
 * Every message of `queue` (up to `max`), without consuming any: received under a visibility
 * timeout, then made visible again. Messages another consumer holds at that moment are not seen.
 */
export async function peekMessages(sqs: SQSClient, queue: PeekedQueue, max = 10_000): Promise<ParkedMessage[]> {
  const seen = new Map<string, Message>();
  for (let emptyReceives = 0; emptyReceives < 2 && seen.size < max; ) {
    const messages = await receive(sqs, queue);
    if (messages.length === 0) emptyReceives += 1;
    for (const message of messages) if (message.MessageId !== undefined) seen.set(message.MessageId, message);
  }
  const all = [...seen.values()];
  await release(sqs, queue, all.map((message) => message.ReceiptHandle ?? ''));
  return all.map((message) => parked(queue, message)).sort((a, b) => a.sentAt - b.sentAt);
}

/** Groups parked messages by error name, most first. */
export function groupByErrorName(messages: readonly ParkedMessage[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const message of messages) {
    const group = groups.get(message.errorName);
    if (group === undefined) groups.set(message.errorName, { errorName: message.errorName, count: 1, oldestSentAt: message.sentAt, oldestMessageId: message.messageId });
    else {
      group.count += 1;
      if (message.sentAt < group.oldestSentAt) Object.assign(group, { oldestSentAt: message.sentAt, oldestMessageId: message.messageId });
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.errorName.localeCompare(b.errorName));
}
