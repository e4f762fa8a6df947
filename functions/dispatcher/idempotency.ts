/**
 * Settles each SQS message at most once, with Powertools idempotency keyed on the messageId and its
 * DynamoDB persistence (https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/).
 * A settled record (applied, skipped, parked) is stored and answered to any later delivery of the same
 * message; work that throws leaves no record, so the redelivery runs it again. When the store fails
 * after the work has settled, the work's outcome stands: its writes are repeatable, so settling on it
 * is safe, where failing it would park an applied event, or park one twice. When the store cannot record
 * the attempt at all, work marked `withoutTable` (parking an invalid body) is done without it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import type { DispatcherConfig } from '../shared/config.js';
import { MetricName, MetricUnit, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';
import type { DispatchResult } from './outcome.js';

/**
 * Fixed key prefix. Powertools defaults to AWS_LAMBDA_FUNCTION_NAME, which changes when the stack
 * replaces the function: messages in flight at that moment would then run twice.
 */
export const IDEMPOTENCY_KEY_PREFIX = 'dispatcher';

/** How {@link SettleOnce} treats a table that fails before the work starts. */
export interface SettleOptions {
  /**
   * Do the work without the table when it cannot record the attempt: for work that is cheap and whose
   * repeat is harmless (parking an invalid body), so that an unavailable table does not cost receives.
   */
  withoutTable?: boolean;
}

/** Runs `settle` for `record` unless the message has settled before, whose stored outcome it then answers. */
export type SettleOnce = (record: SQSRecord, settle: () => Promise<DispatchResult>, logger: Logger, options?: SettleOptions) => Promise<DispatchResult>;

/** No idempotency at all: every delivery does the work (tests and tools). */
export const settleEveryTime: SettleOnce = (_record, settle) => settle();

/** The idempotent step and the config whose Lambda context the handler registers per invocation. */
export interface IdempotentSettle {
  settleOnce: SettleOnce;
  /** `registerLambdaContext(context)` each invocation: it bounds an in-progress record by the remaining time. */
  idempotencyConfig: IdempotencyConfig;
}

/** One delivery's work, and what became of it: read after the idempotent call, whatever the store did. */
interface Attempt {
  settle: () => Promise<DispatchResult>;
  started?: true;
  settled?: DispatchResult;
  failed?: { error: unknown };
}

/** A {@link SettleOnce} over the idempotency table; `metrics` counts saves that failed after the work. */
export function idempotentSettle(config: DispatcherConfig, options: { dynamodb?: DynamoDBClient; metrics?: MetricsSink } = {}): IdempotentSettle {
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'messageId',
    // Must outlive every redelivery: expiry ≥ maxReceiveCount × VisibilityTimeout (docs/design.md).
    expiresAfterSeconds: config.idempotencyExpirySeconds,
    // Without a messageId Powertools would silently run the step without idempotency.
    throwOnNoIdempotencyKey: true,
    // Called only when the store answers instead of the step: mark the result so the delivery is logged as a duplicate.
    responseHook: (response) => ({ ...(response as Record<string, unknown>), duplicate: true }),
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: config.idempotencyTableName,
    ...(options.dynamodb === undefined ? {} : { awsSdkV3Client: options.dynamodb }),
  });
  const once = makeIdempotent(
    async (_record: SQSRecord, attempt: Attempt): Promise<DispatchResult> => {
      attempt.started = true;
      try {
        attempt.settled = await attempt.settle();
        return attempt.settled;
      } catch (error) {
        attempt.failed = { error };
        throw error;
      }
    },
    // The SQS record is the payload: the key is its messageId; the attempt is not part of it.
    { persistenceStore, config: idempotencyConfig, keyPrefix: IDEMPOTENCY_KEY_PREFIX, dataIndexArgument: 0 },
  );
  const metrics = options.metrics ?? noMetrics;

  const settleOnce: SettleOnce = async (record, settle, logger, settleOptions = {}) => {
    const attempt: Attempt = { settle };
    try {
      return await once(record, attempt);
    } catch (error) {
      if (attempt.started !== true && settleOptions.withoutTable === true && !(error instanceof IdempotencyAlreadyInProgressError)) {
        logger.warn('the idempotency table could not record the attempt; settling without it', { error: error as Error });
        return settle();
      }
      if (attempt.settled !== undefined) {
        // The record stays IN_PROGRESS until its in-progress expiry; a repeat delivery meanwhile waits or runs again (harmless).
        logger.warn('the idempotency record could not be saved after the record settled; its outcome stands', { outcome: attempt.settled.outcome, error: error as Error });
        metrics.addMetric(MetricName.IdempotencySaveFailed, MetricUnit.Count, 1);
        return attempt.settled;
      }
      if (attempt.failed !== undefined && attempt.failed.error !== error) {
        // Powertools replaces the work's error with the failed delete: keep the work's, which says why the record failed.
        logger.warn('the idempotency record of a failed attempt could not be deleted', { error: error as Error });
        throw attempt.failed.error;
      }
      throw error;
    }
  };
  return { settleOnce, idempotencyConfig };
}
