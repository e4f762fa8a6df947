/**
 * The dispatcher's idempotency against real DynamoDB (moto, started by the global setup); Step
 * Functions and SQS stay mocked, since moto cannot run a synchronous Express execution.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { dispatchRecord, type DispatchDeps } from '../../functions/dispatcher/dispatch.js';
import { idempotentSettle } from '../../functions/dispatcher/idempotency.js';
import { RedeliveryNeeded } from '../../functions/dispatcher/redelivery.js';
import { startFaultProxy, type FaultProxy } from '../../local/stack/fault-proxy.js';
import { dispatcherConfig, genesysEvent, sqsRecord } from '../helpers/factories.js';
import { lambdaContext } from '../helpers/lambda-context.js';
import { recordingMetrics } from '../helpers/metrics.js';

const endpoint = process.env.MOTO_ENDPOINT;
if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: the global setup starts moto');
Object.assign(process.env, {
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: 'us-east-1',
});

const tableName = `dispatcher-idempotency-${randomUUID()}`;
const config = dispatcherConfig({ idempotencyTableName: tableName });

const dynamodb = new DynamoDBClient({});
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const { settleOnce, idempotencyConfig } = idempotentSettle(config);
const deps: DispatchDeps = {
  sfn: new SFNClient({}),
  sqs: new SQSClient({}),
  config,
  logger: new Logger({ logLevel: 'SILENT' }),
  settleOnce,
};

const succeeded = (messageId: string): StartSyncExecutionOutput => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:express:ProcessEventStateMachine:${messageId}:1`,
  startDate: new Date(),
  stopDate: new Date(),
  status: 'SUCCEEDED',
  output: JSON.stringify({ status: 'applied', conversationId: '2f7bf00a-0fc2-4d6a-9b56-92238191433e', participantId: '9fb2ca78-8389-4758-b76a-9b0300de1fce', attributes: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' } }),
});
const failed = (error: string): StartSyncExecutionOutput => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:express:ProcessEventStateMachine:x:1',
  startDate: new Date(),
  stopDate: new Date(),
  status: 'FAILED',
  error,
  cause: JSON.stringify({ errorType: error, errorMessage: `${error} from Genesys` }),
});

async function storedRecords(): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return Items;
}

beforeAll(async () => {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

beforeEach(() => {
  sfnMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked' });
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
  idempotencyConfig.registerLambdaContext(lambdaContext());
});

/** The idempotency layer over a DynamoDB that the fault proxy stands in front of. */
describe('dispatcher idempotency when the table fails (moto behind the fault proxy)', () => {
  let proxy: FaultProxy;
  let faulty: ReturnType<typeof idempotentSettle>;
  const metrics = recordingMetrics();
  let faultyDeps: DispatchDeps;

  beforeAll(async () => {
    proxy = await startFaultProxy({ target: endpoint });
    faulty = idempotentSettle(config, { dynamodb: new DynamoDBClient({ endpoint: proxy.endpoint, maxAttempts: 1 }), metrics });
    faultyDeps = { ...deps, settleOnce: faulty.settleOnce, metrics };
  });
  afterAll(() => proxy.stop());
  beforeEach(() => {
    proxy.clear();
    metrics.clear();
    faulty.idempotencyConfig.registerLambdaContext(lambdaContext());
  });

  it('keeps an applied outcome when the save fails after the workflow ran: the record settles, counted, and is not run again', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(succeeded('m'));
    proxy.inject({ actions: ['UpdateItem'], kind: 'throttle' });

    await expect(dispatchRecord(sqsRecord({ messageId: randomUUID(), receiveCount: config.maxReceiveCount }), faultyDeps)).resolves.toMatchObject({ outcome: 'applied' });

    expect(sqsMock.calls()).toHaveLength(0);
    expect(metrics.count('IdempotencySaveFailed')).toBe(1);
    expect(metrics.count('EventsApplied')).toBe(1);
  });

  it('keeps a parked outcome when the save fails after the park: parked once, not redelivered', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failed('Genesys.Forbidden'));
    proxy.inject({ actions: ['UpdateItem'], kind: 'throttle' });
    const messageId = randomUUID();

    await expect(dispatchRecord(sqsRecord({ messageId }), faultyDeps)).resolves.toMatchObject({ outcome: 'parked', errorName: 'Genesys.Forbidden' });
    // A second delivery meets the record still IN_PROGRESS: it neither parks nor runs anything.
    const later = dispatchRecord(sqsRecord({ messageId, receiveCount: 2 }), { ...faultyDeps, remainingMs: () => 60_000 });
    await expect(later).rejects.toMatchObject({ errorName: 'IdempotencyAlreadyInProgressError' });

    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.VisibilityTimeout)).toEqual([65]);
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(1);
  });

  it('parks an invalid body at its first receive even when the table cannot record the attempt, and nothing valid without it', async () => {
    proxy.inject({ actions: ['PutItem'], kind: 'throttle' });

    await expect(dispatchRecord(sqsRecord({ messageId: randomUUID(), body: 'not json' }), faultyDeps)).resolves.toMatchObject({ outcome: 'parked', errorName: 'InvalidEvent' });
    await expect(dispatchRecord(sqsRecord({ messageId: randomUUID() }), faultyDeps)).rejects.toMatchObject({ errorName: 'IdempotencyPersistenceLayerError' });

    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(0);
  });

  it('reports the workflow\'s own failure, not the failed delete of its in-progress record', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failed('Genesys.Unavailable'));
    proxy.inject({ actions: ['DeleteItem'], kind: 'error' });

    await expect(dispatchRecord(sqsRecord({ messageId: randomUUID(), receiveCount: 2 }), faultyDeps)).rejects.toMatchObject({ errorName: 'Genesys.Unavailable' });
  });
});

describe('dispatcher idempotency (DynamoDB in moto)', () => {
  it('runs the workflow once for a message delivered twice and answers the second with the stored result', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(succeeded('m'));
    const messageId = randomUUID();

    const first = await dispatchRecord(sqsRecord({ messageId, receiveCount: 1 }), deps);
    const second = await dispatchRecord(sqsRecord({ messageId, receiveCount: 2 }), deps);

    expect(first).toMatchObject({ outcome: 'applied' });
    expect(first.duplicate).toBeUndefined();
    expect(second).toEqual({ ...first, duplicate: true });
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(1);
    expect(await storedRecords()).toContainEqual(
      expect.objectContaining({ id: { S: expect.stringMatching(/^dispatcher#/) }, status: { S: 'COMPLETED' } }),
    );
  });

  it('forgets a retryable failure, so the redelivery runs the workflow again', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolvesOnce(failed('Genesys.RateLimited')).resolves(succeeded('m'));
    const messageId = randomUUID();
    const before = (await storedRecords()).length;

    await expect(dispatchRecord(sqsRecord({ messageId, receiveCount: 1 }), deps)).rejects.toBeInstanceOf(RedeliveryNeeded);
    expect(await storedRecords()).toHaveLength(before);
    await expect(dispatchRecord(sqsRecord({ messageId, receiveCount: 2 }), deps)).resolves.toMatchObject({ outcome: 'applied' });

    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(2);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
  });

  it('forgets a StartSyncExecution that threw, so the redelivery runs the workflow', async () => {
    sfnMock
      .on(StartSyncExecutionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves(succeeded('m'));
    const messageId = randomUUID();

    await expect(dispatchRecord(sqsRecord({ messageId }), deps)).rejects.toMatchObject({ errorName: 'ThrottlingException' });
    await expect(dispatchRecord(sqsRecord({ messageId, receiveCount: 2 }), deps)).resolves.toMatchObject({ outcome: 'applied' });
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(2);
  });

  it('keeps a parked outcome, so a duplicate delivery does not park the message twice', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failed('Genesys.Forbidden'));
    const messageId = randomUUID();

    const first = await dispatchRecord(sqsRecord({ messageId }), deps);
    const second = await dispatchRecord(sqsRecord({ messageId, receiveCount: 2 }), deps);

    expect(first).toEqual({ outcome: 'parked', errorName: 'Genesys.Forbidden', errorMessage: 'Genesys.Forbidden from Genesys' });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('parks an invalid body once when SQS hands its message out twice at once', async () => {
    let release: () => void = () => undefined;
    sqsMock.on(SendMessageCommand).callsFake(() => new Promise((resolve) => (release = () => resolve({ MessageId: 'parked' }))));
    const messageId = randomUUID();

    const first = dispatchRecord(sqsRecord({ messageId, body: 'not json', receiptHandle: 'first' }), deps);
    await waitFor(() => sqsMock.commandCalls(SendMessageCommand).length === 1);
    const second = dispatchRecord(sqsRecord({ messageId, body: 'not json', receiptHandle: 'second', receiveCount: 2 }), deps);
    await expect(second).rejects.toMatchObject({ errorName: 'IdempotencyAlreadyInProgressError' });
    release();
    await expect(first).resolves.toMatchObject({ outcome: 'parked', errorName: 'InvalidEvent' });
    const third = await dispatchRecord(sqsRecord({ messageId, body: 'not json', receiveCount: 3 }), deps);

    expect(third).toMatchObject({ outcome: 'parked', errorName: 'InvalidEvent', duplicate: true });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('runs one workflow per message when one event arrives as two messages (the writes are order-independent)', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(succeeded('m'));
    const body = genesysEvent({ kind: 'acw', id: randomUUID() });

    await dispatchRecord(sqsRecord({ messageId: randomUUID(), body }), deps);
    await dispatchRecord(sqsRecord({ messageId: randomUUID(), body }), deps);

    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(2);
  });

  it('fails, without parking or delaying, a delivery that arrives while the first is still running', async () => {
    let finish: (value: StartSyncExecutionOutput) => void = () => undefined;
    sfnMock.on(StartSyncExecutionCommand).callsFake(() => new Promise<StartSyncExecutionOutput>((resolve) => (finish = resolve)));
    const messageId = randomUUID();

    const first = dispatchRecord(sqsRecord({ messageId, receiptHandle: 'first' }), deps);
    await waitFor(() => sfnMock.commandCalls(StartSyncExecutionCommand).length === 1);
    await expect(dispatchRecord(sqsRecord({ messageId, receiptHandle: 'second' }), deps)).rejects.toMatchObject({
      errorName: 'IdempotencyAlreadyInProgressError',
    });
    finish(succeeded(messageId));

    await expect(first).resolves.toMatchObject({ outcome: 'applied' });
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(1);
    expect(sqsMock.calls()).toHaveLength(0);
  });
  it('on the last receive, waits for the delivery still running the message and settles as its duplicate', async () => {
    let finish: (value: StartSyncExecutionOutput) => void = () => undefined;
    sfnMock.on(StartSyncExecutionCommand).callsFake(() => new Promise<StartSyncExecutionOutput>((resolve) => (finish = resolve)));
    const messageId = randomUUID();
    const patient: DispatchDeps = { ...deps, remainingMs: () => 60_000, inProgressPollMs: 20 };

    const first = dispatchRecord(sqsRecord({ messageId, receiptHandle: 'first', receiveCount: config.maxReceiveCount - 1 }), patient);
    await waitFor(() => sfnMock.commandCalls(StartSyncExecutionCommand).length === 1);
    const last = dispatchRecord(sqsRecord({ messageId, receiptHandle: 'last', receiveCount: config.maxReceiveCount }), patient);
    await new Promise((resolve) => setTimeout(resolve, 100));
    finish(succeeded(messageId));

    await expect(first).resolves.toMatchObject({ outcome: 'applied' });
    await expect(last).resolves.toMatchObject({ outcome: 'applied', duplicate: true });
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(1);
    expect(sqsMock.calls()).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
