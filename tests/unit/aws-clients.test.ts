/**
 * The functions' AWS clients keep to their time budgets: a call that hangs ends after its attempts, each
 * cut at its timeout; the SDK retries only within the budget; StartSyncExecution is never retried by it.
 * Against moto (started by the global setup) behind the fault proxy.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { createSfnClient } from '../../functions/dispatcher/workflow.js';
import { boundedClientConfig, callBudgetMs, startSyncBudget, type CallBudget } from '../../functions/shared/aws-clients.js';
import { startFaultProxy, type FaultProxy } from '../../local/stack/fault-proxy.js';
import { LOCAL_AWS_ENV } from '../../local/stack/moto.js';

const local = { region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY } };
const budget: CallBudget = { attempts: 2, attemptTimeoutMs: 300, retryDelayMs: 10 };

describe('AWS call budgets', () => {
  let proxy: FaultProxy;
  const retries: string[] = [];
  const dynamodb = (): DynamoDBClient => new DynamoDBClient({ ...local, endpoint: proxy.endpoint, ...boundedClientConfig(budget, (type) => retries.push(type)) });

  beforeAll(async () => {
    proxy = await startFaultProxy({ target: process.env.MOTO_ENDPOINT as string });
  });
  afterAll(() => proxy.stop());
  beforeEach(() => {
    proxy.clear();
    retries.length = 0;
  });

  it('adds up attempts, timeouts and waits into the longest a call can take', () => {
    expect(callBudgetMs(budget)).toBe(610);
    expect(callBudgetMs(startSyncBudget(150))).toBe(155_000);
  });

  it('ends a call that hangs after its attempts, each cut at its timeout, instead of waiting on the socket for minutes', async () => {
    proxy.inject({ actions: ['ListTables'], kind: 'stall' });

    await expect(dynamodb().send(new ListTablesCommand({}))).rejects.toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
    expect(proxy.stats().seen.ListTables).toBe(2);
    expect(retries).toEqual(['TRANSIENT']);
  });

  it('retries throttling once within the budget, and counts the retry', async () => {
    proxy.inject({ actions: ['ListTables'], kind: 'throttle' });

    await expect(dynamodb().send(new ListTablesCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 2 } });
    expect(retries).toEqual(['THROTTLING']);
  });

  it('never retries a client error', async () => {
    await expect(dynamodb().send(new DescribeTableCommand({ TableName: 'no-such-table' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { attempts: 1 } });
    expect(retries).toEqual([]);
  });
});

describe('StartSyncExecution', () => {
  let sfn: Server;
  let executions = 0;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // A Step Functions endpoint that runs (counts) every execution and answers SUCCEEDED.
    sfn = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        executions += 1;
        const body = JSON.stringify({ executionArn: 'arn:x', status: 'SUCCEEDED', startDate: 0, stopDate: 0, output: '{}' });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => sfn.listen(0, '127.0.0.1', () => resolve()));
    proxy = await startFaultProxy({ target: `http://127.0.0.1:${(sfn.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => sfn.close(resolve));
  });

  it('is sent once per call, even when answered 500 after the execution ran: a retry would run the workflow again', async () => {
    proxy.inject({ actions: ['StartSyncExecution'], kind: 'fail-after' });
    Object.assign(process.env, { AWS_REGION: local.region, AWS_ACCESS_KEY_ID: local.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey, AWS_ENDPOINT_URL_SFN: proxy.endpoint });
    const client = createSfnClient(150);

    await expect(client.send(new StartSyncExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x', input: '{}' }))).rejects.toMatchObject({
      name: 'InternalServerError',
      $metadata: { attempts: 1 },
    });
    expect(executions).toBe(1);
    expect(proxy.stats().retried.StartSyncExecution ?? 0).toBe(0);
  });
});
