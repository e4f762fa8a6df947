/**
 * Makes the workflow step idempotent on the SQS messageId with Powertools idempotency and its
 * DynamoDB persistence (https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/).
 * A completed or parked record is stored and returned to any later delivery of the same message; a
 * step that throws leaves no record, so the redelivery runs it again.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DispatcherConfig } from '../shared/config.js';
import { runWorkflow, type StartWorkflow } from './dispatch.js';

/**
 * Fixed key prefix. Powertools defaults to AWS_LAMBDA_FUNCTION_NAME, which changes when the stack
 * replaces the function: messages in flight at that moment would then run twice.
 */
export const IDEMPOTENCY_KEY_PREFIX = 'dispatcher';

/** The idempotent workflow step and the config whose Lambda context the handler registers per invocation. */
export interface IdempotentWorkflow {
  startWorkflow: StartWorkflow;
  /** `registerLambdaContext(context)` each invocation: it bounds an in-progress record by the remaining time. */
  idempotencyConfig: IdempotencyConfig;
}

/** Wraps {@link runWorkflow} so that each SQS message runs its workflow to an outcome at most once. */
export function idempotentWorkflow(config: DispatcherConfig, dynamodb?: DynamoDBClient): IdempotentWorkflow {
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
    ...(dynamodb === undefined ? {} : { awsSdkV3Client: dynamodb }),
  });
  const startWorkflow = makeIdempotent(runWorkflow, {
    persistenceStore,
    config: idempotencyConfig,
    keyPrefix: IDEMPOTENCY_KEY_PREFIX,
    // The SQS record is the payload; the event and the clients after it are not part of the key.
    dataIndexArgument: 0,
  });
  return { startWorkflow, idempotencyConfig };
}
