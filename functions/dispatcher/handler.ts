/**
 * Dispatcher Lambda: SQS EventsQueue → Express workflow, one record at a time, concurrently.
 * Wiring only; the per-record logic is in dispatch.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readDispatcherConfig } from '../shared/config.js';
import { metrics } from '../shared/metrics.js';
import { logger } from '../shared/powertools.js';
import { createSfnClient, dispatchRecord, type DispatchResult } from './dispatch.js';
import { idempotentWorkflow } from './idempotency.js';

const config = readDispatcherConfig();
const sfn = createSfnClient();
const sqs = new SQSClient({});
const { startWorkflow, idempotencyConfig } = idempotentWorkflow(config);

/**
 * Settles every record of the batch. The result array is in record order, as
 * @middy/sqs-partial-batch-failure requires: it maps each rejected entry to that record's messageId
 * (https://middy.js.org/docs/middlewares/sqs-partial-batch-failure).
 */
async function dispatchBatch(event: SQSEvent, context: Context): Promise<PromiseSettledResult<DispatchResult>[]> {
  idempotencyConfig.registerLambdaContext(context);
  const remainingMs = (): number => context.getRemainingTimeInMillis();
  return Promise.allSettled(event.Records.map((record) => dispatchRecord(record, { sfn, sqs, config, logger, metrics, startWorkflow, remainingMs })));
}

/**
 * The Lambda entry point (template.yaml: DispatcherFunction, `handler.handler`). Typed by what Lambda
 * receives: the partial-batch middleware replaces the settled results with `{batchItemFailures}`.
 */
export const handler = middy(dispatchBatch)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  // Flushes the batch's outcome counts, latencies and workflow durations as one EMF line, also on an error.
  .use(logMetrics(metrics))
  // dispatchRecord logs each failure with its record's keys; the middleware's default console.error would repeat it.
  .use(sqsPartialBatchFailure({ logger: () => undefined })) as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
