/**
 * The cold-start reference, measured beside our dispatcher in every bench run: the design card's
 * dependencies wired the obvious way (SQS batch → idempotent StartSyncExecution, middy partial batch
 * failure, Powertools Logger), bundled by esbuild as plain minified ESM with no MainFields and no External.
 * It is never deployed; bench/cold-start.ts builds it as the `plain-reference` variant.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

const logger = new Logger();
const sfn = new SFNClient({});
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE_NAME ?? '' });

const startWorkflow = makeIdempotent(
  async (record: SQSRecord) => {
    const execution = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: process.env.STATE_MACHINE_ARN, input: record.body }));
    if (execution.status !== 'SUCCEEDED') throw new Error(execution.error ?? 'workflow failed');
    return execution.output;
  },
  { persistenceStore, config: new IdempotencyConfig({ eventKeyJmesPath: 'messageId' }) },
);

export const handler = middy(async (event: SQSEvent) => {
  logger.info('batch', { records: event.Records.length });
  return Promise.allSettled(event.Records.map((record) => startWorkflow(record)));
}).use(sqsPartialBatchFailure());
