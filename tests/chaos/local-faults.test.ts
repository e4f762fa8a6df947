import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startFaultProxy, type FaultProxy } from '../../local/stack/fault-proxy.js';
import { LambdaRuntime } from '../../local/stack/lambda/runtime.js';
import { LOCAL_AWS_ENV, LOCAL_CREDENTIALS } from '../../local/stack/moto.js';

const STAND_IN = fileURLToPath(new URL('../helpers/lambda-stand-in.ts', import.meta.url));

describe('killEnvironment', () => {
  const runtime = new LambdaRuntime([{ functionName: 'StandIn', handlerPath: STAND_IN, handlerExport: 'handler', timeoutSeconds: 30, environment: {} }]);
  afterAll(() => runtime.stop());

  it('ends a running invocation with Runtime.ExitError, as a crashed sandbox, and the next one starts cold', async () => {
    const running = runtime.invoke('StandIn', { action: 'sleep', ms: 20_000 });
    let killed = false;
    while (!killed) {
      killed = await runtime.killEnvironment('StandIn');
      if (!killed) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const outcome = await running;
    const next = await runtime.invoke('StandIn', { action: 'echo' });

    expect(outcome.error?.errorType).toBe('Runtime.ExitError');
    expect(next.result).toMatchObject({ invocations: 1 });
    expect(runtime.stats().StandIn).toMatchObject({ coldStarts: 2, environments: 1 });
  });

  it('fails the events a bug catches the same way every time, without running the handler, and records every answer', async () => {
    runtime.injectBug('StandIn', { when: (event) => (event as { buggy?: boolean }).buggy === true, error: { errorType: 'TypeError', errorMessage: 'boom', trace: [] } });
    const before = runtime.answered('StandIn').length;

    const first = await runtime.invoke('StandIn', { action: 'echo', buggy: true });
    const again = await runtime.invoke('StandIn', { action: 'echo', buggy: true });
    const fine = await runtime.invoke('StandIn', { action: 'echo' });

    expect([first.error?.errorType, again.error?.errorType]).toEqual(['TypeError', 'TypeError']);
    expect(fine.error).toBeUndefined();
    expect(runtime.answered('StandIn').length - before).toBe(3);
  });

  it('answers false when nothing runs', async () => {
    await expect(runtime.killEnvironment('StandIn')).resolves.toBe(false);
  });

  it('keeps prewarmed environments alive: a killed one is replaced', async () => {
    await runtime.prewarm('StandIn', 2);
    const running = runtime.invoke('StandIn', { action: 'sleep', ms: 20_000 });
    while (!(await runtime.killEnvironment('StandIn'))) await new Promise((resolve) => setTimeout(resolve, 20));
    await running;

    expect(runtime.stats().StandIn?.environments).toBe(2);
  });
});

describe('fault proxy', () => {
  let proxy: FaultProxy;
  const client = <T>(Client: new (config: object) => T, maxAttempts = 1): T =>
    new Client({
      endpoint: proxy.endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts,
    });

  beforeAll(async () => {
    proxy = await startFaultProxy({ target: process.env.MOTO_ENDPOINT as string });
  });
  afterAll(() => proxy.stop());
  afterEach(() => proxy.clear());

  it('forwards what no rule names', async () => {
    await expect(client(DynamoDBClient).send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
    expect(proxy.stats().seen.ListTables).toBeGreaterThanOrEqual(1);
  });

  it('answers a named action with throttling the SDK recognises and retries', async () => {
    proxy.inject({ actions: ['ListTables'], kind: 'throttle' });
    await expect(client(DynamoDBClient, 2).send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400, attempts: 2 },
    });
  });

  it('stalls a named action: no answer until the caller gives up, and the service never sees it', async () => {
    proxy.inject({ actions: ['CreateTable'], kind: 'stall' });
    const name = `stalled-${randomUUID()}`;
    const dynamodb = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    const create = new CreateTableCommand({ TableName: name, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });

    await expect(dynamodb.send(create)).rejects.toMatchObject({ name: 'TimeoutError' });
    proxy.clear();
    await expect(dynamodb.send(new DescribeTableCommand({ TableName: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers a 500 after the service did the work: the caller is told it failed, and it did not', async () => {
    proxy.inject({ actions: ['CreateTable'], kind: 'fail-after' });
    const name = `done-${randomUUID()}`;
    const dynamodb = client(DynamoDBClient);
    const create = new CreateTableCommand({ TableName: name, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });

    await expect(dynamodb.send(create)).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    proxy.clear();
    await expect(dynamodb.send(new DescribeTableCommand({ TableName: name }))).resolves.toHaveProperty('Table.TableName', name);
  });

  it('counts the SDK\'s own retries of an action, from the attempt header', async () => {
    proxy.inject({ actions: ['ListTables'], kind: 'error' });
    const before = proxy.stats().retried.ListTables ?? 0;
    await client(DynamoDBClient, 3).send(new ListTablesCommand({})).catch(() => undefined);

    expect((proxy.stats().retried.ListTables ?? 0) - before).toBe(2);
  });

  it('routes a target prefix to another upstream (the Step Functions endpoint)', async () => {
    const other: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ upstream: 'other', target: req.headers['x-amz-target'] })));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    proxy.route({ targetPrefix: 'AWSStepFunctions.', upstream: `http://127.0.0.1:${(other.address() as AddressInfo).port}` });
    try {
      const answer = await fetch(proxy.endpoint, { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.StartSyncExecution', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
      expect(await answer.json()).toEqual({ upstream: 'other', target: 'AWSStepFunctions.StartSyncExecution' });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('answers a named action with a 500 for a stretch, then forwards again', async () => {
    proxy.inject({ actions: ['secretsmanager.GetSecretValue'], kind: 'error', forMs: 300 });
    const secrets = client(SecretsManagerClient);
    const during = await secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => error);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = await secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((error: Error) => error);

    expect(during).toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
    expect(after).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(proxy.stats().injected.GetSecretValue).toBe(1);
  });
});
