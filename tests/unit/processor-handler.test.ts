import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { ErrorName, isRedeliverable } from '../../functions/shared/errors.js';
import { attributesPath, CONVERSATION_ID, CONVERSATION_PATH, CUSTOMER_PARTICIPANT_ID, PARTICIPANT_ID, startGenesysServer, type GenesysTestServer } from '../helpers/genesys-server.js';
import { lambdaContext } from '../helpers/lambda-context.js';

const SECRET_ID = 'genesys-oauth-client';
const CLIENT_SECRET = 'handler-test-client-secret-9f8e7d';
const TOKEN = 'handler-test-access-token-1a2b3c';

const sample = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8'));

type Handler = (event: unknown, context: Context) => Promise<unknown>;

describe('processor handler', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  let server: GenesysTestServer;
  let handler: Handler;
  let output: string[];
  const context = (): Context => lambdaContext({ functionName: 'ProcessorFunction', timeoutMs: 10_000 });
  const logLines = (): Record<string, unknown>[] =>
    output.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));

  beforeAll(async () => {
    server = await startGenesysServer();
    server.script('POST', '/oauth/token', { status: 200, body: { access_token: TOKEN, token_type: 'bearer', expires_in: 86_400 } });
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: JSON.stringify({ clientId: 'handler-test-client', clientSecret: CLIENT_SECRET }) });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      GENESYS_ENVIRONMENT: 'mypurecloud.ie',
      GENESYS_LOGIN_BASE_URL: server.url,
      GENESYS_API_BASE_URL: `${server.url}/`,
      GENESYS_SECRET_ID: SECRET_ID,
      GENESYS_SECRET_MAX_AGE_SECONDS: '300',
      GENESYS_REQUESTS_PER_MINUTE: '300',
      GENESYS_REQUEST_TIMEOUT_MS: '2000',
      GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS: '1',
      POWERTOOLS_SERVICE_NAME: 'processor',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_METRICS_NAMESPACE: 'GenesysEventsPipeline/test',
    });
    ({ handler } = (await import('../../functions/processor/handler.js')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    await server.close();
    secretsManager.restore();
  });

  beforeEach(() => {
    output = [];
    // Powertools writes DEBUG and INFO to stdout, WARN and ERROR to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output.push(String(chunk));
        return true;
      });
    }
  });

  afterEach(() => {
    jest.restoreAllMocks();
    // Nothing the handler logged may carry a credential, whatever the test was about.
    const text = output.join('');
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('Basic ');
  });

  it('applies the sample event and logs one INFO line with the correlation keys', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202 });

    const result = await handler(sample('processor-customer-start'), context());

    expect(result).toEqual({
      status: 'applied',
      action: 'customer-start',
      conversationId: CONVERSATION_ID,
      writes: [{ type: 'participantAttributes', participant: 'event', participantId: PARTICIPANT_ID, attributes: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' } }],
    });
    expect(server.requestsTo('PATCH', attributesPath(PARTICIPANT_ID)).at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const info = logLines().filter((line) => line.level === 'INFO');
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({
      message: 'Action applied',
      action: 'customer-start',
      service: 'processor',
      correlation_id: 'fe8a8579-b83f-4f07-b371-2b39398f91a8',
      conversationId: CONVERSATION_ID,
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      function_name: 'ProcessorFunction',
    });
    expect(logLines().find((line) => line.level === 'DEBUG' && line.message === 'Writes made')).toMatchObject({
      writes: [{ attributes: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' } }],
    });
  });

  it('reads the conversation for an event without a participant, keys reset from the last invocation', async () => {
    server.script('GET', CONVERSATION_PATH, { status: 200, body: { id: CONVERSATION_ID, participants: [{ id: CUSTOMER_PARTICIPANT_ID, purpose: 'customer' }] } });
    server.script('PATCH', attributesPath(CUSTOMER_PARTICIPANT_ID), { status: 202 });
    const { correlationId: _correlationId, ...withoutCorrelation } = sample('processor-no-participant');

    await expect(handler(withoutCorrelation, context())).resolves.toMatchObject({ status: 'applied', writes: [{ participantId: CUSTOMER_PARTICIPANT_ID }] });
    const info = logLines().find((line) => line.level === 'INFO');
    expect(info).toMatchObject({ messageId: '2e3b8f4c-6a1d-4f0e-9c57-3b1f0a9d7e21' });
    expect(info).not.toHaveProperty('correlation_id');
  });

  it('reuses the secret and the token across invocations', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202 });

    for (let invocation = 0; invocation < 3; invocation += 1) await handler(sample('processor-customer-start'), context());

    expect(server.tokenRequests()).toBe(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('throws InvalidEvent for a payload that is not a workflow input, without calling Genesys, and logs it', async () => {
    const before = server.requests.length;

    await expect(handler({ ...sample('processor-customer-start'), body: { conversationId: '../../oauth/token' } }, context())).rejects.toMatchObject({
      name: ErrorName.InvalidEvent,
    });
    expect(server.requests).toHaveLength(before);
    expect(logLines().find((line) => line.message === 'Update failed')).toMatchObject({
      level: 'WARN',
      error: { name: ErrorName.InvalidEvent },
      messageId: sample('processor-customer-start').messageId,
    });
  });

  it.each([
    [404, ErrorName.NotFound],
    [503, ErrorName.Unavailable],
  ])('lets a Genesys %i propagate as %s and logs it once', async (status, name) => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status, body: { message: `answered ${status}`, status } });

    await expect(handler(sample('processor-customer-start'), context())).rejects.toMatchObject({ name, status });
    expect(logLines().filter((line) => line.message === 'Update failed')).toHaveLength(1);
  });

  it('fails as TimeoutError at its deadline (the early timeout of middy), a name the dispatcher hands back to SQS rather than parks', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202, delayMs: 1_500 });
    // Past the limiter's spacing after the last test's request, so the PATCH is sent at once and outlasts the invocation.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const short = lambdaContext({ functionName: 'ProcessorFunction', timeoutMs: 300 });

    await expect(handler(sample('processor-customer-start'), short)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(isRedeliverable('TimeoutError')).toBe(true);
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202 });
  });

  it('fails with Genesys.Unauthorized after one re-login, logging neither token nor secret', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 401, body: { message: 'Invalid login credentials.' } });
    const before = server.tokenRequests();

    await expect(handler(sample('processor-customer-start'), context())).rejects.toMatchObject({ name: ErrorName.Unauthorized });
    expect(server.tokenRequests() - before).toBe(1);
    expect(logLines().some((line) => line.message === 'Genesys answered 401: logging in again')).toBe(true);
  });

  it('publishes its Genesys requests as embedded metrics: by status class, in the stack namespace, with the service dimension', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202 });

    await handler(sample('processor-customer-start'), context());

    const emf = logLines().filter((line) => '_aws' in line);
    const byClass = emf.find((line) => line.statusClass === '2xx');
    expect(byClass).toMatchObject({
      service: 'processor',
      GenesysRequests: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: 'GenesysEventsPipeline/test', Dimensions: [['service', 'statusClass']], Metrics: [{ Name: 'GenesysRequests', Unit: 'Count' }] }] },
    });
    const flushed = emf.find((line) => 'GenesysRequestLatency' in line);
    expect(flushed?._aws).toMatchObject({ CloudWatchMetrics: [{ Dimensions: [['service']] }] });
    // Metric lines carry no log keys: the correlation keys belong to the log lines.
    expect(emf.every((line) => !('correlation_id' in line))).toBe(true);
  });
});
