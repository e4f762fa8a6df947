import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { dispatchRecord, type DispatchDeps } from '../../functions/dispatcher/dispatch.js';
import type { SettleOnce } from '../../functions/dispatcher/idempotency.js';
import type { DispatchResult } from '../../functions/dispatcher/outcome.js';
import { MetricName, statusClassOf, type MetricsSink } from '../../functions/shared/metrics-sink.js';
import { recordingMetrics as recordingSink } from '../helpers/metrics.js';
import { dispatcherConfig, genesysEvent, sqsRecord } from '../helpers/factories.js';
import { clientFor } from '../helpers/genesys-client.js';
import { attributesPath, CONVERSATION_ID, PARTICIPANT_ID, startGenesysServer, type GenesysTestServer } from '../helpers/genesys-server.js';
import { GenesysClient } from '../../functions/shared/genesys/client.js';

const config = dispatcherConfig();
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const EVENT_TIME = Date.parse('2024-05-01T10:00:00.000Z');
const NOW = EVENT_TIME + 4_250;

function deps(metrics: MetricsSink, overrides: Partial<DispatchDeps> = {}): DispatchDeps {
  return { sfn: new SFNClient({}), sqs: new SQSClient({}), config, logger: new Logger({ logLevel: 'SILENT' }), metrics, random: () => 0.5, now: () => NOW, ...overrides };
}

function execution(fields: Partial<StartSyncExecutionOutput>): StartSyncExecutionOutput {
  return { executionArn: 'arn:aws:states:us-east-1:123456789012:express:x:y:z', startDate: new Date(1_000), stopDate: new Date(1_730), status: 'SUCCEEDED', ...fields };
}

beforeEach(() => {
  sfnMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked' });
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('dispatcher metrics', () => {
  it('counts an applied event once, with its end-to-end latency from the Genesys event time and the workflow duration', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'applied' }) }));
    const sink = recordingSink();

    await dispatchRecord(sqsRecord({ body: genesysEvent({ eventTime: EVENT_TIME }) }), deps(sink));

    expect(sink.recorded).toEqual([
      { metric: MetricName.WorkflowDuration, unit: 'Milliseconds', value: 730 },
      { metric: MetricName.EventsApplied, unit: 'Count', value: 1 },
      { metric: MetricName.EndToEndLatency, unit: 'Milliseconds', value: 4_250 },
    ]);
  });

  it('counts a kind the workflow routes past Genesys as not acted on', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'SUCCEEDED', output: '{}' }));
    const sink = recordingSink();

    await dispatchRecord(sqsRecord({ body: genesysEvent({ kind: 'flow.start' }) }), deps(sink));

    expect(sink.names()).toEqual([MetricName.WorkflowDuration, MetricName.EventsNotActedOn]);
  });

  it.each([
    ['a workflow that failed for good', () => sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'FAILED', error: 'Genesys.Forbidden', cause: '{}' })), {}, 'Genesys.Forbidden'],
    ['a malformed body', () => undefined, { body: 'not json' }, 'InvalidEvent'],
    ['a record still failing on its last receive', () => sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'TIMED_OUT' })), { receiveCount: 5 }, 'States.Timeout'],
  ])('counts %s as parked, split by error name', async (_what, arrange, recordOptions, errorName) => {
    arrange();
    const sink = recordingSink();

    await dispatchRecord(sqsRecord(recordOptions), deps(sink));

    expect(sink.names().filter((name) => name.startsWith(MetricName.EventsParked))).toEqual([`${MetricName.EventsParked}{errorName=${errorName}}`]);
    expect(sink.names()).not.toContain(MetricName.EventsApplied);
  });

  it('counts a redelivery, and no outcome, for a record SQS must bring back', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'FAILED', error: 'Genesys.RateLimited', cause: '{}' }));
    const sink = recordingSink();

    await expect(dispatchRecord(sqsRecord({ receiveCount: 2 }), deps(sink))).rejects.toMatchObject({ errorName: 'Genesys.RateLimited' });

    expect(sink.names()).toEqual([MetricName.WorkflowDuration, MetricName.Redeliveries]);
  });

  it('counts a delivery the idempotency store answered only as a duplicate', async () => {
    const stored: DispatchResult = { outcome: 'applied', output: {}, duplicate: true };
    const settleOnce: SettleOnce = async () => stored;
    const sink = recordingSink();

    await dispatchRecord(sqsRecord(), deps(sink, { settleOnce }));

    expect(sink.names()).toEqual([MetricName.DuplicatesSuppressed]);
  });
});

describe('Genesys client metrics', () => {
  let server: GenesysTestServer;

  beforeEach(async () => {
    server = await startGenesysServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it.each([
    [202, '2xx'],
    [403, '4xx'],
    [503, '5xx'],
  ])('counts a request answered %i under status class %s, with its latency, and the token request', async (status, statusClass) => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status, body: { message: 'scripted', status } });
    const sink = recordingSink();
    const { tokens, budget } = clientFor(server);
    const client = new GenesysClient({ apiBaseUrl: server.url, tokens, budget, requestTimeoutMs: 2_000, maxInPlaceRetryAfterSeconds: 0, metrics: sink });

    await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, { key: 'value' }).catch(() => undefined);

    expect(sink.names()).toEqual([MetricName.GenesysRequestLatency, `${MetricName.GenesysRequests}{statusClass=${statusClass}}`]);
  });

  it('counts token requests where the token provider is given the sink', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202 });
    const sink = recordingSink();
    const { TokenProvider } = await import('../../functions/shared/genesys/token.js');
    const tokens = new TokenProvider({ loginBaseUrl: server.url, credentials: async () => ({ clientId: 'c', clientSecret: 's' }), requestTimeoutMs: 2_000, metrics: sink });

    await tokens.getToken();
    await tokens.getToken();

    expect(sink.names()).toEqual([MetricName.GenesysTokenRequests]);
  });
});

describe('statusClassOf', () => {
  it.each([
    [200, '2xx'],
    [202, '2xx'],
    [401, '4xx'],
    [404, '4xx'],
    [429, '429'],
    [500, '5xx'],
    [504, '5xx'],
    [0, 'none'],
    [undefined, 'none'],
  ])('classes %s as %s', (status, statusClass) => {
    expect(statusClassOf(status)).toBe(statusClass);
  });
});
