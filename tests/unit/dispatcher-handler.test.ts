import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatcherEnvironment, genesysEvent, sqsEvent, sqsRecord } from '../helpers/factories.js';
import { lambdaContext } from '../helpers/lambda-context.js';

const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const dynamoMock = mockClient(DynamoDBClient);

let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  Object.assign(process.env, dispatcherEnvironment());
  ({ handler } = await import('../../functions/dispatcher/handler.js'));
});

const applied = JSON.stringify({ status: 'applied', conversationId: 'c', participantId: 'p', attributes: {} });

beforeEach(() => {
  sfnMock.reset();
  sqsMock.reset();
  dynamoMock.reset();
  dynamoMock.on(PutItemCommand).resolves({});
  dynamoMock.on(UpdateItemCommand).resolves({});
  dynamoMock.on(DeleteItemCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked' });
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
  sfnMock.on(StartSyncExecutionCommand).callsFake((input: { input: string }) => {
    const { messageId } = JSON.parse(input.input) as { messageId: string };
    const base = { executionArn: `arn:x:${messageId}`, startDate: new Date(), stopDate: new Date() };
    if (messageId === 'retryable') {
      return { ...base, status: 'FAILED', error: 'Genesys.RateLimited', cause: JSON.stringify({ errorType: 'Genesys.RateLimited', errorMessage: '429' }) };
    }
    return { ...base, status: 'SUCCEEDED', output: applied };
  });
});

describe('dispatcher handler', () => {
  it('reports exactly the retryable record of a batch as failed, and settles the malformed one in the DLQ', async () => {
    const event = sqsEvent([
      sqsRecord({ messageId: 'good', body: genesysEvent({ kind: 'customer.end' }) }),
      sqsRecord({ messageId: 'malformed', body: 'not json at all' }),
      sqsRecord({ messageId: 'retryable', receiveCount: 2 }),
    ]);

    await expect(handler(event, lambdaContext())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'retryable' }] });

    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(2);
    expect(sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageAttributes?.sourceMessageId?.StringValue)).toEqual(['malformed']);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual([
      'receipt-retryable-2',
    ]);
  });

  it('answers an empty list when every record settles', async () => {
    const event = sqsEvent([sqsRecord({ messageId: 'a' }), sqsRecord({ messageId: 'b' })]);

    await expect(handler(event, lambdaContext())).resolves.toEqual({ batchItemFailures: [] });
  });

  it('bounds an in-progress idempotency record by the invocation’s remaining time', async () => {
    const before = Date.now();
    await handler(sqsEvent([sqsRecord({ messageId: 'a' })]), lambdaContext({ timeoutMs: 60_000 }));

    const item = dynamoMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    const inProgressExpiry = Number(item?.in_progress_expiration?.N);
    expect(inProgressExpiry).toBeGreaterThanOrEqual(before + 59_000);
    expect(inProgressExpiry).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('fails records one by one, never the whole batch, when the idempotency table is unavailable for one', async () => {
    dynamoMock
      .on(PutItemCommand)
      .rejectsOnce(Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }))
      .resolves({});
    const event = sqsEvent([sqsRecord({ messageId: 'first' }), sqsRecord({ messageId: 'second' }), sqsRecord({ messageId: 'third' })]);

    const response = await handler(event, lambdaContext());

    expect(response.batchItemFailures).toHaveLength(1);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
  });

  it('settles the sample batch of events/dispatcher-sqs-batch.json, parking its malformed record', async () => {
    const event = JSON.parse(readFileSync(new URL('../../events/dispatcher-sqs-batch.json', import.meta.url), 'utf8')) as SQSEvent;
    const malformed = event.Records.at(-1)?.messageId;

    await expect(handler(event, lambdaContext())).resolves.toEqual({ batchItemFailures: [] });

    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(event.Records.length - 1);
    expect(sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageAttributes?.sourceMessageId?.StringValue)).toEqual([malformed]);
  });
});
