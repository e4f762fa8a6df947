/**
 * What the DLQ tool does to the queues: list parked messages by error name, show one, redrive them
 * to the EventsQueue, purge. Plain functions over an SQS client and the queues (./queues.ts), so the
 * end-to-end test calls them as the CLI does. The reading itself is ./peek.ts, re-exported here.
 *
 * Redrive: SQS's message move task where it can (all messages of a queue that is a DLQ), else a
 * receive → send → delete loop that never loses a message: the copy is sent to the EventsQueue
 * before the original is deleted, so a failure in between leaves a duplicate (which the pipeline
 * absorbs: its writes are idempotent), never a gap.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { groupByErrorName, parked, peekMessages, receive, release, type DeadLetterQueueName, type ErrorGroup, type ParkedMessage } from './peek.js';
import { DlqToolError, type PipelineQueues, type QueueRef } from './queues.js';

export {
  UNNAMED_PARK_REASONS,
  deadLetterQueueName,
  groupByErrorName,
  peekMessages,
  type DeadLetterQueueName,
  type ErrorGroup,
  type ParkedMessage,
  type PeekedQueue,
} from './peek.js';

/** The queue of `name`. */
export function deadLetterQueue(queues: PipelineQueues, name: DeadLetterQueueName): QueueRef {
  return name === 'rule' ? queues.ruleDeadLetter : queues.deadLetter;
}

/** `list`: both dead-letter queues (or one), grouped by error name. */
export async function listParked(queues: PipelineQueues, only?: DeadLetterQueueName): Promise<{ queue: QueueRef; messages: ParkedMessage[]; groups: ErrorGroup[] }[]> {
  const names: DeadLetterQueueName[] = only === undefined ? ['events', 'rule'] : [only];
  return Promise.all(
    names.map(async (name) => {
      const queue = deadLetterQueue(queues, name);
      const messages = await peekMessages(queues.sqs, queue);
      return { queue, messages, groups: groupByErrorName(messages) };
    }),
  );
}

/** `show <id>`: the message whose id (or sourceMessageId) is `id`, in either dead-letter queue. */
export async function showMessage(queues: PipelineQueues, id: string): Promise<ParkedMessage> {
  for (const name of ['events', 'rule'] as const) {
    const messages = await peekMessages(queues.sqs, deadLetterQueue(queues, name));
    const found = messages.find((message) => message.messageId === id || message.sourceMessageId === id);
    if (found !== undefined) return found;
  }
  throw new DlqToolError(`no parked message with id ${id} in ${queues.deadLetter.name} or ${queues.ruleDeadLetter.name} (\`npm run dlq -- list\` shows the ids)`);
}

/** What `redrive` does. */
export interface RedriveOptions {
  from?: DeadLetterQueueName;
  /** Only messages parked with this error name; forces receive-send-delete (a move task moves everything). */
  errorName?: string;
  /** Count what would move, move nothing. */
  dryRun?: boolean;
  /** Try SQS's message move task first (default true). */
  useMoveTask?: boolean;
  /** How often to ask a running move task how far it got (ms). */
  pollMs?: number;
}

/** What `redrive` did. */
export interface RedriveResult {
  method: 'message-move-task' | 'receive-send-delete' | 'dry-run';
  from: QueueRef;
  to: QueueRef;
  /** Messages moved (for a dry run: that would move). */
  moved: number;
  /** Messages left in place because their error name did not match. */
  skipped: number;
  byErrorName: Record<string, number>;
  /** Why the move task was not used, when it was tried. */
  moveTaskUnavailable?: string;
}

function matches(message: ParkedMessage, errorName: string | undefined): boolean {
  return errorName === undefined || message.errorName === errorName;
}

/** Moves parked messages back to the EventsQueue; see the module comment for how. */
export async function redrive(queues: PipelineQueues, options: RedriveOptions = {}): Promise<RedriveResult> {
  const from = deadLetterQueue(queues, options.from ?? 'events');
  const to = queues.events;
  const base = { from, to, byErrorName: {} as Record<string, number> };

  if (options.dryRun === true) {
    const messages = await peekMessages(queues.sqs, from);
    const moving = messages.filter((message) => matches(message, options.errorName));
    for (const message of moving) base.byErrorName[message.errorName] = (base.byErrorName[message.errorName] ?? 0) + 1;
    return { ...base, method: 'dry-run', moved: moving.length, skipped: messages.length - moving.length };
  }

  let moveTaskUnavailable: string | undefined;
  if ((options.useMoveTask ?? true) && options.errorName === undefined) {
    try {
      return { ...base, ...(await moveTask(queues.sqs, from, to, options.pollMs ?? 2_000)) };
    } catch (error) {
      if (error instanceof DlqToolError) throw error;
      moveTaskUnavailable = `${(error as Error).name}: ${(error as Error).message.split('\n')[0] ?? ''}`.slice(0, 160);
    }
  }
  return { ...base, ...(await receiveSendDelete(queues.sqs, from, to, options.errorName, base.byErrorName)), ...(moveTaskUnavailable ? { moveTaskUnavailable } : {}) };
}

async function moveTask(sqs: SQSClient, from: QueueRef, to: QueueRef, pollMs: number): Promise<Pick<RedriveResult, 'method' | 'moved' | 'skipped'>> {
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: from.arn, DestinationArn: to.arn }));
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: from.arn, MaxResults: 1 }));
    const task = Results[0];
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new DlqToolError(`the message move task from ${from.name} ${task.Status.toLowerCase()}: ${task.FailureReason ?? 'no reason given'}; ${task.ApproximateNumberOfMessagesMoved ?? 0} messages had moved`);
    }
    if (task !== undefined && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      return { method: 'message-move-task', moved: task.ApproximateNumberOfMessagesMoved ?? 0, skipped: 0 };
    }
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

async function receiveSendDelete(
  sqs: SQSClient,
  from: QueueRef,
  to: QueueRef,
  errorName: string | undefined,
  byErrorName: Record<string, number>,
): Promise<Pick<RedriveResult, 'method' | 'moved' | 'skipped'>> {
  // Only what was parked before the redrive began: a message that fails again and is parked anew
  // while this runs stays parked, instead of going round for ever.
  const startedAt = Date.now();
  const leftInPlace = new Map<string, string>();
  let moved = 0;
  for (let emptyReceives = 0; emptyReceives < 2; ) {
    const messages = await receive(sqs, from);
    const fresh = messages.filter((message) => !leftInPlace.has(message.MessageId ?? ''));
    if (fresh.length === 0) emptyReceives += 1;
    else emptyReceives = 0;
    for (const message of messages) {
      const view = parked(from, message);
      if (!matches(view, errorName) || view.sentAt > startedAt || leftInPlace.has(view.messageId)) {
        leftInPlace.set(view.messageId, message.ReceiptHandle ?? '');
        continue;
      }
      // Send first, delete after: a failure between the two leaves a copy in both queues, never in none.
      await sqs.send(new SendMessageCommand({ QueueUrl: to.url, MessageBody: message.Body ?? '' }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: from.url, ReceiptHandle: message.ReceiptHandle ?? '' }));
      moved += 1;
      byErrorName[view.errorName] = (byErrorName[view.errorName] ?? 0) + 1;
    }
  }
  await release(sqs, from, [...leftInPlace.values()]);
  return { method: 'receive-send-delete', moved, skipped: leftInPlace.size };
}

/** Approximate messages in a queue, visible and not. */
export async function approximateCount(sqs: SQSClient, queue: QueueRef): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** `purge`: deletes every message of a dead-letter queue; refuses without `confirmed`. */
export async function purge(queues: PipelineQueues, options: { from?: DeadLetterQueueName; confirmed: boolean }): Promise<{ queue: QueueRef; purged: number }> {
  const queue = deadLetterQueue(queues, options.from ?? 'events');
  const count = await approximateCount(queues.sqs, queue);
  if (!options.confirmed) {
    throw new DlqToolError(`purge deletes the ${count} messages of ${queue.name} for good; run it again with --yes to confirm (npm run dlq -- list shows them first)`);
  }
  try {
    await queues.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
  } catch (error) {
    if ((error as Error).name.includes('PurgeQueueInProgress')) throw new DlqToolError(`${queue.name} was purged less than 60 seconds ago; SQS allows one purge a minute`);
    throw error;
  }
  return { queue, purged: count };
}
