/**
 * Dispatcher Lambda: SQS EventsQueue → Express workflow, one record at a time, concurrently.
 * Wiring only; the batch is batch.ts, the per-record logic dispatch.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AWS_CALL_BUDGET, boundedClientConfig } from '../shared/aws-clients.js';
import { readDispatcherConfig } from '../shared/config.js';
import { metrics } from '../shared/metrics.js';
import { MetricName, MetricUnit } from '../shared/metrics-sink.js';
import { logger } from '../shared/powertools.js';
import { dispatchBatch } from './batch.js';
import { dispatchRecord } from './dispatch.js';
import { idempotentSettle } from './idempotency.js';
import type { DispatchResult } from './outcome.js';
import { createSfnClient } from './workflow.js';

const config = readDispatcherConfig();
const countRetry = (): void => void metrics.addMetric(MetricName.AwsCallRetries, MetricUnit.Count, 1);
const sfn = createSfnClient(config.workflowTimeoutSeconds);
const sqs = new SQSClient(boundedClientConfig(AWS_CALL_BUDGET, countRetry));
const dynamodb = new DynamoDBClient(boundedClientConfig(AWS_CALL_BUDGET, countRetry));
const { settleOnce, idempotencyConfig } = idempotentSettle(config, { dynamodb, metrics });

/** Settles every record of the batch before the deadline; the middleware turns the results into batch item failures. */
async function handleBatch(event: SQSEvent, context: Context): Promise<PromiseSettledResult<DispatchResult>[]> {
  idempotencyConfig.registerLambdaContext(context);
  const remainingMs = (): number => context.getRemainingTimeInMillis();
  return dispatchBatch(event.Records, {
    dispatch: (record, signal) => dispatchRecord(record, { sfn, sqs, config, logger, metrics, settleOnce, remainingMs, signal }),
    remainingMs,
    logger,
    metrics,
  });
}

/**
 * The Lambda entry point (template.yaml: DispatcherFunction, `handler.handler`). Typed by what Lambda
 * receives: the partial-batch middleware replaces the settled results with `{batchItemFailures}`.
 */
// timeoutEarlyInMillis 0: middy's own early timeout would fail every record of the batch, settled ones too; batch.ts answers in time instead.
export const handler = middy(handleBatch, { timeoutEarlyInMillis: 0 })
  .use(injectLambdaContext(logger, { resetKeys: true }))
  // Flushes the batch's outcome counts, latencies and workflow durations as one EMF line, also on an error.
  .use(logMetrics(metrics))
  // dispatchRecord logs each failure with its record's keys; the middleware's default console.error would repeat it.
  .use(sqsPartialBatchFailure({ logger: () => undefined })) as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
