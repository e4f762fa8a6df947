/** The local stack's dead-letter queues, read with the DLQ tool's own reader (tools/dlq), reasons and all. */
import { groupByErrorName, peekMessages, type DeadLetterQueueName, type ParkedMessage, type PeekedQueue } from '../../tools/dlq/operations.js';
import { QUEUE_LOGICAL_IDS } from '../../tools/dlq/queues.js';
import type { LocalStack } from '../stack/index.js';

/** The queue as the DLQ tool addresses it: its logical id names the reason of a message parked without one. */
export function deadLetterQueueRef(stack: LocalStack, queue: DeadLetterQueueName): PeekedQueue {
  return queue === 'rule'
    ? { name: QUEUE_LOGICAL_IDS.ruleDeadLetter, url: stack.queues.ruleDeadLetterQueueUrl }
    : { name: QUEUE_LOGICAL_IDS.deadLetter, url: stack.queues.deadLetterQueueUrl };
}

/** Every message parked in one of the stack's dead-letter queues (default the dispatcher's), without consuming any. */
export function peekParked(stack: LocalStack, queue: DeadLetterQueueName = 'events'): Promise<ParkedMessage[]> {
  return peekMessages(stack.clients.sqs, deadLetterQueueRef(stack, queue));
}

/** Parked messages counted by error name, most first. */
export function countByErrorName(messages: readonly ParkedMessage[]): Record<string, number> {
  return Object.fromEntries(groupByErrorName(messages).map((group) => [group.errorName, group.count]));
}
