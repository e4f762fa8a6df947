/**
 * The dispatcher's per-record logic: validate the SQS message, run the Express workflow for it once,
 * and settle every record as done, parked in the DLQ with its reason, or failed for SQS to redeliver.
 * Plain functions receiving their clients; the handler only wires them (docs/design.md, "Flow").
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { DispatcherConfig } from '../shared/config.js';
import { InvalidEvent, isRedeliverable } from '../shared/errors.js';
import { parseConversationEvent, toWorkflowInput, type ConversationEvent } from '../shared/events.js';
import { countWithDimension, MetricName, MetricUnit, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';
import { redeliveryDelaySeconds } from './backoff.js';

/** How a record settled. Saved as the idempotent result, so it must stay plain JSON without `undefined`. */
export type DispatchResult = (
  | { outcome: 'applied'; output: unknown }
  | { outcome: 'skipped'; kind: string }
  | { outcome: 'parked'; errorName: string; errorMessage: string }
) & {
  /** Set when the idempotency store answered: this delivery repeated one already settled, and started nothing. */
  duplicate?: true;
};

/** The log message of a suppressed duplicate delivery; the local run summary counts these lines. */
export const DUPLICATE_SUPPRESSED = 'duplicate delivery suppressed';

/** What the workflow step needs. */
export interface WorkflowDeps {
  sfn: SFNClient;
  sqs: SQSClient;
  config: DispatcherConfig;
  logger: Logger;
  /** Outcome counts, latency and workflow duration (functions/shared/metrics.ts); none recorded when absent. */
  metrics?: MetricsSink;
}

/** Starts the workflow for one record and settles its outcome; the handler passes an idempotent one. */
export type StartWorkflow = (record: SQSRecord, event: ConversationEvent, deps: WorkflowDeps) => Promise<DispatchResult>;

/** What {@link dispatchRecord} needs. */
export interface DispatchDeps extends WorkflowDeps {
  /** Defaults to {@link runWorkflow} itself (no idempotency): tests and tools. */
  startWorkflow?: StartWorkflow;
  /** Jitter source for the redelivery delay. */
  random?: () => number;
  /** Clock for the end-to-end latency (epoch ms). */
  now?: () => number;
  /**
   * Milliseconds left in this invocation (Lambda's `context.getRemainingTimeInMillis`). Without it, a
   * record whose message another delivery is still dispatching just fails, and nothing waits for that one.
   */
  remainingMs?: () => number;
  /** How often the last receive looks again at another delivery of its message; 1 s by default. */
  inProgressPollMs?: number;
}

/** Kept back from the deadline beyond a whole workflow, when the last receive decides whether it may still look (and start one). */
const IN_PROGRESS_DEADLINE_MARGIN_MS = 5_000;
/** Added to the invocation's remaining time when a record comes back after another delivery has surely ended. */
const IN_PROGRESS_REDELIVERY_MARGIN_SECONDS = 5;

/**
 * The record must come back from SQS: thrown so the partial-batch middleware reports it as a batch
 * item failure. `errorName` is the underlying error's name (`Genesys.RateLimited`, `ThrottlingException`, ...).
 */
export class RedeliveryNeeded extends Error {
  override readonly name = 'RedeliveryNeeded';
  readonly errorName: string;

  constructor(errorName: string, message: string, options?: { cause?: unknown }) {
    super(`${errorName}: ${message}`, options);
    this.errorName = errorName;
  }
}

/** Sending a parked message to the DLQ failed: the record fails so that SQS keeps it. */
export class DeadLetterSendFailed extends Error {
  override readonly name = 'DeadLetterSendFailed';
}

/** Longest `errorMessage` attribute a parked message carries. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

/**
 * The SFN client. StartSyncExecution is modelled with the host prefix `sync-`; against a custom
 * endpoint (the local stack's `AWS_ENDPOINT_URL[_SFN]`) that prefix breaks the host, so it is
 * dropped there, and only there: in AWS the prefix selects `sync-states.{region}.amazonaws.com`.
 */
export function createSfnClient(env: Record<string, string | undefined> = process.env): SFNClient {
  const customEndpoint =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() !== 'true' && Boolean(env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL);
  return new SFNClient({ disableHostPrefix: customEndpoint });
}

/**
 * Dispatches one SQS record. Resolves when the record is done with (applied, skipped, or parked in
 * the DLQ); rejects with {@link RedeliveryNeeded} when SQS must deliver it again, after setting its
 * visibility timeout from the receive count.
 */
export async function dispatchRecord(record: SQSRecord, deps: DispatchDeps): Promise<DispatchResult> {
  const receiveCount = receiveCountOf(record);
  const log = deps.logger.createChild({ persistentKeys: { messageId: record.messageId, receiveCount } });
  try {
    let event: ConversationEvent;
    try {
      event = parseConversationEvent(record.body);
    } catch (error) {
      if (!(error instanceof InvalidEvent)) throw error;
      const correlationId = looseCorrelationId(record.body);
      if (correlationId !== undefined) log.setCorrelationId(correlationId);
      const failure = { errorName: error.name, errorMessage: error.message };
      await park(record, failure, { ...deps, logger: log });
      return settled({ outcome: 'parked', ...failure }, deps);
    }
    if (event.correlationId !== undefined) log.setCorrelationId(event.correlationId);
    log.appendPersistentKeys({ conversationId: event.body.conversationId, eventId: event.eventId, kind: event.kind });

    const startWorkflow = deps.startWorkflow ?? runWorkflow;
    const start = () => startWorkflow(record, event, { sfn: deps.sfn, sqs: deps.sqs, config: deps.config, logger: log, metrics: deps.metrics });
    const result = receiveCount >= deps.config.maxReceiveCount ? await startAfterOtherDelivery(start, deps, log) : await start();
    if (result.duplicate === true) log.info(DUPLICATE_SUPPRESSED, { outcome: result.outcome });
    else log.info('record settled', { outcome: result.outcome });
    return settled(result, deps, event);
  } catch (error) {
    if (receiveCount >= deps.config.maxReceiveCount) {
      // SQS would move the record to the DLQ after this receive without saying why: park it with the reason.
      // Also when another delivery still runs it: that one may yet apply it, and a redrive then applies it again, which is harmless (repeatable writes).
      const failure = { errorName: nameOf(error), errorMessage: `gave up after ${receiveCount} receives: ${messageOf(error)}` };
      try {
        await park(record, failure, { ...deps, logger: log });
        return settled({ outcome: 'parked', ...failure }, deps);
      } catch (parkError) {
        log.error('could not park the record on its last receive; the redrive policy will move it', { error: parkError as Error });
      }
    }
    throw await failForRedelivery(record, error, { ...deps, logger: log });
  }
}

/**
 * The last receive of a message that another delivery is still dispatching (SQS may hand one message out
 * twice): failing it would let the redrive policy move it, without a reason, while the other delivery may
 * still apply it. So it looks again every `inProgressPollMs` until that delivery has settled (its result is
 * then this one's, as a duplicate), or has failed or timed out (this one then runs the workflow itself).
 * A look may start the workflow, so it looks only while a whole workflow still fits before this
 * invocation's deadline: a Lambda timeout would fail the whole batch, and with it every batch-mate on its
 * last receive. Past that, the in-progress error goes to the caller, which parks the record with it.
 */
async function startAfterOtherDelivery(start: () => Promise<DispatchResult>, deps: DispatchDeps, log: Logger): Promise<DispatchResult> {
  const pollMs = deps.inProgressPollMs ?? 1_000;
  const workflowMs = deps.config.workflowTimeoutSeconds * 1_000 + IN_PROGRESS_DEADLINE_MARGIN_MS;
  for (let waited = false; ; waited = true) {
    try {
      const result = await start();
      if (waited) log.info('the other delivery of this message ended; settled after waiting for it', { outcome: result.outcome });
      return result;
    } catch (error) {
      const remaining = deps.remainingMs?.() ?? 0;
      if (!(error instanceof IdempotencyAlreadyInProgressError) || remaining - pollMs < workflowMs) throw error;
      if (!waited) log.warn('last receive: waiting for another delivery of this message to end', { remainingMs: remaining });
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

/**
 * Runs the workflow for one record with StartSyncExecution and settles its outcome. A failure no
 * retry can fix is parked in the DLQ and resolves; anything else throws, so that the idempotent
 * wrapper forgets the attempt and the redelivery runs again.
 */
export async function runWorkflow(record: SQSRecord, event: ConversationEvent, deps: WorkflowDeps): Promise<DispatchResult> {
  let execution: StartSyncExecutionOutput;
  try {
    // No `name`: Express executions are not deduplicated by name; the idempotency table is the guard.
    execution = await deps.sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: deps.config.stateMachineArn,
        input: JSON.stringify(toWorkflowInput(record.messageId, event)),
      }),
    );
  } catch (error) {
    throw new RedeliveryNeeded(nameOf(error), `StartSyncExecution failed: ${messageOf(error)}`, { cause: error });
  }
  if (execution.startDate !== undefined && execution.stopDate !== undefined) {
    const durationMs = execution.stopDate.getTime() - execution.startDate.getTime();
    (deps.metrics ?? noMetrics).addMetric(MetricName.WorkflowDuration, MetricUnit.Milliseconds, Math.max(0, durationMs));
  }

  // StartSyncExecution answers 200 whatever the execution did: the outcome is in `status`.
  if (execution.status === 'SUCCEEDED') return succeeded(execution.output, event.kind);

  const failure = failureOf(execution);
  deps.logger.info('workflow failed', { executionArn: execution.executionArn, status: execution.status, ...failure });
  if (isRedeliverable(failure.errorName)) throw new RedeliveryNeeded(failure.errorName, failure.errorMessage);
  await park(record, failure, deps);
  return { outcome: 'parked', ...failure };
}

/**
 * Counts how a record settled: each outcome once, a duplicate only as a duplicate. The end-to-end
 * latency runs from Genesys' event time to now, for applied events that carry one.
 */
function settled(result: DispatchResult, deps: DispatchDeps, event?: ConversationEvent): DispatchResult {
  const metrics = deps.metrics ?? noMetrics;
  if (result.duplicate === true) {
    metrics.addMetric(MetricName.DuplicatesSuppressed, MetricUnit.Count, 1);
  } else if (result.outcome === 'applied') {
    metrics.addMetric(MetricName.EventsApplied, MetricUnit.Count, 1);
    const eventTime = event?.body.eventTime;
    if (eventTime !== undefined) metrics.addMetric(MetricName.EndToEndLatency, MetricUnit.Milliseconds, Math.max(0, (deps.now ?? Date.now)() - eventTime));
  } else if (result.outcome === 'skipped') {
    metrics.addMetric(MetricName.EventsNotActedOn, MetricUnit.Count, 1);
  } else {
    countWithDimension(metrics, MetricName.EventsParked, 'errorName', result.errorName);
  }
  return result;
}

/** Sends the original body to the DLQ with the reason as message attributes (docs/contracts.md). */
async function park(record: SQSRecord, failure: { errorName: string; errorMessage: string }, deps: WorkflowDeps): Promise<void> {
  const attribute = (value: string) => ({ DataType: 'String', StringValue: attributeText(value) });
  try {
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: deps.config.deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: {
          errorName: attribute(failure.errorName),
          errorMessage: attribute(failure.errorMessage),
          sourceMessageId: attribute(record.messageId),
          receiveCount: attribute(String(receiveCountOf(record))),
        },
      }),
    );
  } catch (error) {
    throw new DeadLetterSendFailed(`could not park the record in the DLQ: ${messageOf(error)}`, { cause: error });
  }
  deps.logger.error('record parked in the DLQ', failure);
}

/**
 * Turns any failure into the RedeliveryNeeded the record rejects with. Sets the visibility timeout
 * from the receive count, except while another delivery of the same message is still running. That
 * one started first with the same function timeout, so it has ended by this invocation's deadline: the
 * record comes back just after it, when it will find that delivery's result. Sooner would only burn a
 * receive; the queue's own visibility timeout (6 function timeouts) would keep it back for nothing.
 */
async function failForRedelivery(record: SQSRecord, error: unknown, deps: DispatchDeps): Promise<RedeliveryNeeded> {
  const failure =
    error instanceof RedeliveryNeeded ? error : new RedeliveryNeeded(nameOf(error), messageOf(error), { cause: error });
  const inProgress = error instanceof IdempotencyAlreadyInProgressError;
  if (inProgress && deps.remainingMs === undefined) {
    deps.logger.warn('record is being dispatched by another delivery; it will come back', { errorName: failure.errorName });
    return failure;
  }
  const receiveCount = receiveCountOf(record);
  const delaySeconds = inProgress
    ? Math.ceil((deps.remainingMs?.() ?? 0) / 1000) + IN_PROGRESS_REDELIVERY_MARGIN_SECONDS
    : redeliveryDelaySeconds(receiveCount, { baseSeconds: deps.config.retryBaseDelaySeconds, maxSeconds: deps.config.retryMaxDelaySeconds }, deps.random);
  try {
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: deps.config.eventsQueueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: delaySeconds,
      }),
    );
  } catch (visibilityError) {
    // The record still fails; it just comes back after the queue's own visibility timeout.
    deps.logger.warn('could not set the redelivery delay', { error: visibilityError as Error });
  }
  deps.logger.warn('record will be redelivered', { errorName: failure.errorName, delaySeconds, error: failure });
  (deps.metrics ?? noMetrics).addMetric(MetricName.Redeliveries, MetricUnit.Count, 1);
  return failure;
}

/** SUCCEEDED: "applied" when the processor wrote to Genesys, "skipped" when the workflow routed the kind past it. */
function succeeded(output: string | undefined, kind: string): DispatchResult {
  const parsed = parseJson(output);
  if (isObject(parsed) && parsed.status === 'applied') return { outcome: 'applied', output: parsed };
  return { outcome: 'skipped', kind };
}

/** The error name and a readable, bounded message of a FAILED or TIMED_OUT execution. */
function failureOf(execution: StartSyncExecutionOutput): { errorName: string; errorMessage: string } {
  const errorName =
    execution.status === 'TIMED_OUT' ? 'States.Timeout' : execution.error?.trim() || `States.${execution.status ?? 'Unknown'}`;
  // A Lambda task's cause is its error as JSON: {"errorType","errorMessage","trace"}.
  const cause = parseJson(execution.cause);
  const message = isObject(cause) && typeof cause.errorMessage === 'string' ? cause.errorMessage : execution.cause;
  return { errorName, errorMessage: truncate(message?.trim() || `execution ${execution.status ?? 'ended'} without a cause`) };
}

/** SQS's ApproximateReceiveCount; 1 when absent (a hand-made event). */
function receiveCountOf(record: SQSRecord): number {
  const count = Number.parseInt(record.attributes?.ApproximateReceiveCount ?? '', 10);
  return Number.isSafeInteger(count) && count >= 1 ? count : 1;
}

/** Genesys' correlation id from a body that failed validation, if it is there at all. */
function looseCorrelationId(body: string): string | undefined {
  const envelope = parseJson(body);
  const detail = isObject(envelope) ? envelope.detail : undefined;
  const metadata = isObject(detail) ? detail.metadata : undefined;
  const correlationId = isObject(metadata) ? metadata.CorrelationId : undefined;
  return typeof correlationId === 'string' && correlationId.length <= 128 ? correlationId : undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(error: unknown): string {
  if (error instanceof RedeliveryNeeded) return error.errorName;
  return error instanceof Error && error.name ? error.name : 'UnknownError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function truncate(text: string, max = MAX_ERROR_MESSAGE_LENGTH): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** SQS accepts only XML characters in attribute values, and no empty value. */
function attributeText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = truncate(value).replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?');
  return clean === '' ? '-' : clean;
}
