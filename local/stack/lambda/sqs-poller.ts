/**
 * An SQS event source for the local stack, behaving like Lambda's SQS event source mapping: batches
 * of up to BatchSize messages gathered for at most MaximumBatchingWindowInSeconds, at most
 * MaximumConcurrency invocations at once, the Lambda SQS event shape, and partial batch responses
 * (ReportBatchItemFailures): the records the function names stay on the queue, the rest are deleted;
 * a function error or timeout deletes nothing, so the whole batch returns after the visibility timeout.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { InvokeOutcome } from './runtime.js';
import { setMaxListeners } from 'node:events';
import { LOCAL_REGION } from '../moto.js';

/** A record of Lambda's SQS event. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, { stringValue?: string; binaryValue?: string; stringListValues: string[]; binaryListValues: string[]; dataType: string }>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** Options of the poller; the numbers come from the function's SQS event in template.yaml. */
export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Invokes the function with one batch. */
  invoke(event: { Records: SqsRecord[] }): Promise<InvokeOutcome>;
  batchSize: number;
  maximumBatchingWindowInSeconds?: number;
  /** ScalingConfig.MaximumConcurrency: most concurrent invocations. */
  maximumConcurrency: number;
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  reportBatchItemFailures: boolean;
  /** Long-poll wait of each receive (≤ 20); a stop aborts a receive in progress. */
  waitTimeSeconds?: number;
  /** Divides the batching window, as the rest of the stack's durations. */
  timeScale?: number;
  region?: string;
}

/** Counters for the run summary. */
export interface SqsPollerStats {
  received: number;
  batches: number;
  deleted: number;
  /** Records the function reported as failed (left on the queue). */
  reportedFailures: number;
  /** Batches whose invocation failed or timed out (every record left on the queue). */
  failedBatches: number;
  largestBatch: number;
  invoking: number;
  peakConcurrency: number;
}

/** A running poller. */
export interface SqsPoller {
  stats(): SqsPollerStats;
  /** Whether a batch is being gathered or processed. */
  readonly busy: boolean;
  stop(): Promise<void>;
}

const MAX_RECEIVE = 10;

function toRecord(message: Message, queueArn: string, region: string): SqsRecord {
  const messageAttributes: SqsRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {}) as [string, MessageAttributeValue][]) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: { ...(message.Attributes as Record<string, string> | undefined) },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * The message ids to keep on the queue after an invocation, or `undefined` to keep the whole batch.
 * A response naming an id not in the batch (or an empty one) fails the whole batch, as Lambda does.
 */
export function recordsToKeep(outcome: InvokeOutcome, batch: SqsRecord[], reportBatchItemFailures: boolean): Set<string> | undefined {
  if (outcome.error !== undefined) return undefined;
  if (!reportBatchItemFailures) return new Set();
  const failures = (outcome.result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const ids = new Set(batch.map((record) => record.messageId));
  const keep = new Set<string>();
  for (const failure of failures as { itemIdentifier?: unknown }[]) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return undefined;
    keep.add(id);
  }
  return keep;
}

/** The poll loops of one queue and what they share: settings, the stop signal, counters. */
class PollLoops implements SqsPoller {
  private readonly region: string;
  private readonly waitTimeSeconds: number;
  private readonly windowMs: number;
  private readonly abort = new AbortController();
  private readonly counters: SqsPollerStats = { received: 0, batches: 0, deleted: 0, reportedFailures: 0, failedBatches: 0, largestBatch: 0, invoking: 0, peakConcurrency: 0 };
  private gathering = 0;
  private readonly loops: Promise<void>[];

  constructor(private readonly options: SqsPollerOptions) {
    this.region = options.region ?? LOCAL_REGION;
    this.waitTimeSeconds = Math.min(20, Math.max(0, Math.round(options.waitTimeSeconds ?? 20)));
    this.windowMs = ((options.maximumBatchingWindowInSeconds ?? 0) * 1_000) / (options.timeScale ?? 1);
    // Every concurrent long poll listens on this one signal: up to MaximumConcurrency of them, more than Node's default 10.
    setMaxListeners(Math.max(10, options.maximumConcurrency + 2), this.abort.signal);
    this.loops = Array.from({ length: Math.max(1, options.maximumConcurrency) }, () => this.loop());
  }

  stats(): SqsPollerStats {
    return { ...this.counters };
  }

  get busy(): boolean {
    return this.counters.invoking > 0 || this.gathering > 0;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const messages = await this.gather();
        if (messages.length > 0) await this.processBatch(messages);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        console.error(`sqs poller: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages } = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(MAX_RECEIVE, max),
        WaitTimeSeconds: waitSeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return Messages ?? [];
  }

  /** One batch: waits for a first message, then fills up until BatchSize or the batching window ends. */
  private async gather(): Promise<Message[]> {
    const { batchSize } = this.options;
    const batch = await this.receive(batchSize, this.waitTimeSeconds);
    if (batch.length === 0) return batch;
    this.gathering += 1;
    try {
      const deadline = Date.now() + this.windowMs;
      while (batch.length < batchSize && Date.now() < deadline && !this.abort.signal.aborted) {
        const more = await this.receive(batchSize - batch.length, 0);
        batch.push(...more);
        if (more.length === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(0, deadline - Date.now()))));
      }
    } finally {
      this.gathering -= 1;
    }
    return batch;
  }

  /** Invokes the function with the batch and deletes the records it did not report as failed. */
  private async processBatch(messages: Message[]): Promise<void> {
    const records = messages.map((message) => toRecord(message, this.options.queueArn, this.region));
    const counters = this.counters;
    counters.received += records.length;
    counters.batches += 1;
    counters.largestBatch = Math.max(counters.largestBatch, records.length);
    counters.invoking += 1;
    counters.peakConcurrency = Math.max(counters.peakConcurrency, counters.invoking);
    try {
      const outcome = await this.options.invoke({ Records: records });
      const keep = recordsToKeep(outcome, records, this.options.reportBatchItemFailures);
      if (keep === undefined) {
        counters.failedBatches += 1;
        return;
      }
      counters.reportedFailures += keep.size;
      await this.deleteRecords(records.filter((record) => !keep.has(record.messageId)));
    } finally {
      counters.invoking -= 1;
    }
  }

  private async deleteRecords(records: SqsRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += MAX_RECEIVE) {
      const chunk = records.slice(start, start + MAX_RECEIVE);
      const answer = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      this.counters.deleted += answer.Successful?.length ?? 0;
    }
  }
}

/** Starts `maximumConcurrency` poll loops; each gathers a batch, invokes, and deletes what succeeded. */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  return new PollLoops(options);
}
