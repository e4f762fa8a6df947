/**
 * Redelivery: a record that a later receive may settle goes back to SQS, invisible for a delay that backs
 * off with its receive count (backoff.ts) and never ends before a Retry-After Genesys named, and the
 * record's entry in the batch response fails with {@link RedeliveryNeeded}.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { DispatcherConfig } from '../shared/config.js';
import { errorMessageOf, errorNameOf } from '../shared/errors.js';
import { MetricName, MetricUnit, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';
import { MAX_VISIBILITY_TIMEOUT_SECONDS, redeliveryDelaySeconds } from './backoff.js';
import { receiveCountOf } from './dead-letter.js';

/**
 * The record must come back from SQS: thrown so the partial-batch middleware reports it as a batch
 * item failure. `errorName` is the underlying error's name (`Genesys.RateLimited`, `ThrottlingException`, ...).
 */
export class RedeliveryNeeded extends Error {
  override readonly name = 'RedeliveryNeeded';
  readonly errorName: string;
  /** Seconds Genesys asked to wait (Retry-After), when the failure carries them. */
  readonly retryAfterSeconds?: number;

  constructor(errorName: string, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(`${errorName}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errorName = errorName;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The name a failure is reported and parked under: a RedeliveryNeeded's underlying name, else the error's. */
export function failureNameOf(error: unknown): string {
  return error instanceof RedeliveryNeeded ? error.errorName : errorNameOf(error);
}

/** What redelivery needs. */
export interface RedeliveryDeps {
  sqs: SQSClient;
  config: Pick<DispatcherConfig, 'eventsQueueUrl' | 'retryBaseDelaySeconds' | 'retryMaxDelaySeconds'>;
  logger: Logger;
  metrics?: MetricsSink;
  /** Jitter source for the delay. */
  random?: () => number;
  /** Milliseconds left in this invocation; see {@link redeliverLater}. */
  remainingMs?: () => number;
}

/** Added to the invocation's remaining time when a record comes back after another delivery has surely ended. */
const IN_PROGRESS_REDELIVERY_MARGIN_SECONDS = 5;

/**
 * Hands the record back to SQS and rejects with the RedeliveryNeeded it fails with. The delay backs off
 * with the receive count and is at least the failure's Retry-After. While another delivery of the same
 * message is still running, it is instead this invocation's remaining time: that delivery started first,
 * with the same function timeout, so it has ended by then, and the record finds its result. Never aborted
 * by the invocation's deadline: its own time budget bounds it.
 */
export async function redeliverLater(record: SQSRecord, error: unknown, deps: RedeliveryDeps): Promise<never> {
  const failure = error instanceof RedeliveryNeeded ? error : new RedeliveryNeeded(errorNameOf(error), errorMessageOf(error), { cause: error });
  const inProgress = error instanceof IdempotencyAlreadyInProgressError;
  if (inProgress && deps.remainingMs === undefined) {
    deps.logger.warn('record is being dispatched by another delivery; it will come back', { errorName: failure.errorName });
    throw failure;
  }
  const delaySeconds = inProgress
    ? Math.ceil((deps.remainingMs?.() ?? 0) / 1000) + IN_PROGRESS_REDELIVERY_MARGIN_SECONDS
    : backoffSeconds(record, failure, deps);
  try {
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: deps.config.eventsQueueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: delaySeconds }),
    );
  } catch (visibilityError) {
    // The record still fails; it just comes back after the queue's own visibility timeout.
    deps.logger.warn('could not set the redelivery delay', { error: visibilityError as Error });
  }
  deps.logger.warn('record will be redelivered', { errorName: failure.errorName, delaySeconds, error: failure });
  (deps.metrics ?? noMetrics).addMetric(MetricName.Redeliveries, MetricUnit.Count, 1);
  throw failure;
}

/** The receive count's backoff delay, raised to the Retry-After Genesys named, within SQS's 12 hours. */
function backoffSeconds(record: SQSRecord, failure: RedeliveryNeeded, deps: RedeliveryDeps): number {
  const curve = { baseSeconds: deps.config.retryBaseDelaySeconds, maxSeconds: deps.config.retryMaxDelaySeconds };
  const backoff = redeliveryDelaySeconds(receiveCountOf(record), curve, deps.random);
  return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(backoff, Math.ceil(failure.retryAfterSeconds ?? 0)));
}
