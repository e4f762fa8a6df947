import { jest } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { redeliveryDelaySeconds } from '../../functions/dispatcher/backoff.js';
import { DeadLetterSendFailed } from '../../functions/dispatcher/dead-letter.js';
import { dispatchRecord, type DispatchDeps } from '../../functions/dispatcher/dispatch.js';
import { RedeliveryNeeded } from '../../functions/dispatcher/redelivery.js';
import { createSfnClient } from '../../functions/dispatcher/workflow.js';
import { dispatcherConfig, genesysEvent, sqsRecord } from '../helpers/factories.js';

const config = dispatcherConfig();

const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const random = () => 0.5;

function deps(overrides: Partial<DispatchDeps> = {}): DispatchDeps {
  return { sfn: new SFNClient({}), sqs: new SQSClient({}), config, logger: new Logger({ logLevel: 'SILENT' }), random, ...overrides };
}

function execution(fields: Partial<StartSyncExecutionOutput>): StartSyncExecutionOutput {
  return { executionArn: 'arn:aws:states:us-east-1:123456789012:express:ProcessEventStateMachine:x:y', startDate: new Date(), stopDate: new Date(), status: 'SUCCEEDED', ...fields };
}

/** A FAILED execution as the workflow's "Update failed" state reports a processor error. */
function failedWith(errorName: string, errorMessage = `${errorName} from Genesys`): StartSyncExecutionOutput {
  return execution({ status: 'FAILED', error: errorName, cause: JSON.stringify({ errorType: errorName, errorMessage, trace: ['at x'] }) });
}

const applied = { status: 'applied', conversationId: '2f7bf00a-0fc2-4d6a-9b56-92238191433e', participantId: '9fb2ca78-8389-4758-b76a-9b0300de1fce', attributes: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' } };

function parkedAttributes() {
  const call = sqsMock.commandCalls(SendMessageCommand)[0];
  const attributes = call?.args[0].input.MessageAttributes ?? {};
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, value.StringValue]));
}

beforeEach(() => {
  sfnMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked-1' });
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('dispatch', () => {
  it('starts the workflow with the workflow input and touches no queue when it succeeds', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ output: JSON.stringify(applied) }));
    const record = sqsRecord({ messageId: 'm-1' });

    await expect(dispatchRecord(record, deps())).resolves.toEqual({ outcome: 'applied', output: applied });

    const [call] = sfnMock.commandCalls(StartSyncExecutionCommand);
    expect(call?.args[0].input.stateMachineArn).toBe(config.stateMachineArn);
    expect(call?.args[0].input.name).toBeUndefined();
    expect(JSON.parse(call?.args[0].input.input ?? '')).toMatchObject({
      messageId: 'm-1',
      eventId: 'adbcfa5b-0116-4baa-b66b-a3f5902e95bf',
      kind: 'customer.start',
      correlationId: 'fe8a8579-b83f-4f07-b371-2b39398f91a8',
      body: { conversationId: '2f7bf00a-0fc2-4d6a-9b56-92238191433e' },
    });
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('reports a kind the workflow does not act on as skipped', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ output: JSON.stringify({ kind: 'flow.start' }) }));
    const record = sqsRecord({ body: genesysEvent({ kind: 'flow.start' }) });

    await expect(dispatchRecord(record, deps())).resolves.toEqual({ outcome: 'skipped', kind: 'flow.start' });
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it.each([
    ['Genesys.RateLimited', 1],
    ['Genesys.Unavailable', 3],
    ['Genesys.Unauthorized', 2],
    ['Lambda.ServiceException', 4],
  ])('delays and fails a record whose workflow failed with %s (receive %i)', async (errorName, receiveCount) => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith(errorName));
    const record = sqsRecord({ receiveCount, receiptHandle: 'handle-1' });

    const failure = dispatchRecord(record, deps());
    await expect(failure).rejects.toBeInstanceOf(RedeliveryNeeded);
    await expect(failure).rejects.toMatchObject({ errorName });

    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: config.eventsQueueUrl,
        ReceiptHandle: 'handle-1',
        VisibilityTimeout: redeliveryDelaySeconds(receiveCount, { baseSeconds: 2, maxSeconds: 300 }, random),
      },
    ]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it.each(['Lambda.ClientExecutionTimeoutException', 'Lambda.Unknown', 'Runtime.ExitError', 'Sandbox.Timedout', 'TimeoutError', 'ConfigurationError'])(
    'hands a workflow that failed with %s, which a later attempt can fix, back to SQS',
    async (errorName) => {
      sfnMock.on(StartSyncExecutionCommand).resolves(failedWith(errorName));

      await expect(dispatchRecord(sqsRecord({ receiveCount: 2 }), deps())).rejects.toMatchObject({ errorName });
      expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    },
  );

  it.each([
    ['TypeError', "Cannot read properties of undefined (reading 'id')"],
    ['RangeError', 'Invalid time value'],
    ['States.Runtime', 'An error occurred while executing the state'],
    ['InvalidEvent', 'detail.eventBody.conversationId must be a UUID'],
  ])('parks a workflow that failed with %s at its first receive: an error no retry fixes costs one receive', async (errorName, message) => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith(errorName, message));

    await expect(dispatchRecord(sqsRecord({ messageId: 'm-bug', receiveCount: 1 }), deps())).resolves.toEqual({ outcome: 'parked', errorName, errorMessage: message });
    expect(parkedAttributes()).toMatchObject({ errorName, receiveCount: '1' });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('brings a rate-limited record back no sooner than the Retry-After Genesys named', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith('Genesys.RateLimited', 'Genesys answered 429 to PATCH ...: Rate limit exceeded; retry after 42 s'));

    await expect(dispatchRecord(sqsRecord({ receiveCount: 1 }), deps())).rejects.toMatchObject({ errorName: 'Genesys.RateLimited', retryAfterSeconds: 42 });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(42);
  });

  it('keeps the backoff when it is longer than the Retry-After', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith('Genesys.RateLimited', 'Genesys answered 429; retry after 1 s'));

    await dispatchRecord(sqsRecord({ receiveCount: 4 }), deps()).catch(() => undefined);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(
      redeliveryDelaySeconds(4, { baseSeconds: 2, maxSeconds: 300 }, random),
    );
  });

  it('parks a still-failing record itself on its last receive, with the reason SQS would drop', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith('Genesys.Unavailable', 'Genesys answered 503'));
    const record = sqsRecord({ messageId: 'm-last', receiveCount: config.maxReceiveCount });

    await expect(dispatchRecord(record, deps())).resolves.toMatchObject({ outcome: 'parked', errorName: 'Genesys.Unavailable' });
    expect(parkedAttributes()).toEqual({
      errorName: 'Genesys.Unavailable',
      errorMessage: expect.stringMatching(/^gave up after 5 receives: .*Genesys answered 503/),
      sourceMessageId: 'm-last',
      receiveCount: '5',
    });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('leaves a last-receive record to the redrive policy when the DLQ refuses it', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith('Genesys.Unavailable'));
    sqsMock.on(SendMessageCommand).rejects(new Error('DLQ unavailable'));

    await expect(dispatchRecord(sqsRecord({ receiveCount: config.maxReceiveCount }), deps())).rejects.toBeInstanceOf(RedeliveryNeeded);
  });

  it('retries a workflow that timed out, as States.Timeout', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'TIMED_OUT' }));

    await expect(dispatchRecord(sqsRecord({ receiveCount: 2 }), deps())).rejects.toMatchObject({ errorName: 'States.Timeout' });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it.each(['Genesys.Forbidden', 'Genesys.BadRequest', 'Genesys.NotFound'])(
    'parks a record whose workflow failed with %s, with the reason, and settles it',
    async (errorName) => {
      sfnMock.on(StartSyncExecutionCommand).resolves(failedWith(errorName, 'Genesys said no'));
      const record = sqsRecord({ messageId: 'm-park', receiveCount: 2 });

      await expect(dispatchRecord(record, deps())).resolves.toEqual({ outcome: 'parked', errorName, errorMessage: 'Genesys said no' });

      const [call] = sqsMock.commandCalls(SendMessageCommand);
      expect(call?.args[0].input.QueueUrl).toBe(config.deadLetterQueueUrl);
      expect(call?.args[0].input.MessageBody).toBe(record.body);
      expect(parkedAttributes()).toEqual({ errorName, errorMessage: 'Genesys said no', sourceMessageId: 'm-park', receiveCount: '2' });
      for (const value of Object.values(call?.args[0].input.MessageAttributes ?? {})) expect(value.DataType).toBe('String');
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    },
  );

  it('keeps a cause that is not Lambda JSON as it is, trimmed to 1 KB', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ status: 'FAILED', error: 'Genesys.BadRequest', cause: 'x'.repeat(5000) }));

    const result = await dispatchRecord(sqsRecord(), deps());

    expect(result).toMatchObject({ outcome: 'parked', errorName: 'Genesys.BadRequest' });
    expect(parkedAttributes().errorMessage).toHaveLength(1024);
  });

  it('parks a malformed record at its first receive without starting the workflow', async () => {
    const record = sqsRecord({ body: '{"id": "not json', messageId: 'm-bad' });

    await expect(dispatchRecord(record, deps())).resolves.toMatchObject({ outcome: 'parked', errorName: 'InvalidEvent' });

    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(0);
    expect(parkedAttributes()).toEqual({ errorName: 'InvalidEvent', errorMessage: 'body is not JSON', sourceMessageId: 'm-bad', receiveCount: '1' });
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody).toBe(record.body);
  });

  it('parks an event whose ids are not UUIDs, with the reason', async () => {
    const record = sqsRecord({ body: genesysEvent({ conversationId: '../../users' }) });

    await dispatchRecord(record, deps());

    expect(parkedAttributes().errorMessage).toMatch(/conversationId must be a UUID/);
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)).toHaveLength(0);
  });

  it('fails a malformed record when the DLQ refuses it, so SQS keeps it', async () => {
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('queue does not exist'), { name: 'QueueDoesNotExist' }));

    await expect(dispatchRecord(sqsRecord({ body: 'not json' }), deps())).rejects.toMatchObject({
      name: 'RedeliveryNeeded',
      errorName: 'DeadLetterSendFailed',
      cause: expect.any(DeadLetterSendFailed),
    });
  });

  it('fails a record that should be parked when the DLQ refuses it', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith('Genesys.Forbidden'));
    sqsMock.on(SendMessageCommand).rejects(new Error('throttled'));

    await expect(dispatchRecord(sqsRecord(), deps())).rejects.toMatchObject({ errorName: 'DeadLetterSendFailed' });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
  });

  it('fails and delays a record when StartSyncExecution itself throws', async () => {
    sfnMock.on(StartSyncExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(dispatchRecord(sqsRecord({ receiveCount: 3 }), deps())).rejects.toMatchObject({ errorName: 'ThrottlingException' });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(
      redeliveryDelaySeconds(3, { baseSeconds: 2, maxSeconds: 300 }, random),
    );
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('still fails a retryable record when its visibility cannot be changed', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(failedWith('Genesys.Unavailable'));
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(new Error('receipt handle expired'));

    await expect(dispatchRecord(sqsRecord(), deps())).rejects.toMatchObject({ errorName: 'Genesys.Unavailable' });
  });

  it('fails without a delay while another delivery of the same message is in progress, when it cannot tell its deadline', async () => {
    const { IdempotencyAlreadyInProgressError } = await import('@aws-lambda-powertools/idempotency');
    const settleOnce = async (): Promise<never> => {
      throw new IdempotencyAlreadyInProgressError('There is already an execution in progress');
    };

    await expect(dispatchRecord(sqsRecord(), deps({ settleOnce }))).rejects.toMatchObject({ errorName: 'IdempotencyAlreadyInProgressError' });
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('brings a record that another delivery is dispatching back just after this invocation\'s deadline, by which that one has ended', async () => {
    const { IdempotencyAlreadyInProgressError } = await import('@aws-lambda-powertools/idempotency');
    const settleOnce = async (): Promise<never> => {
      throw new IdempotencyAlreadyInProgressError('There is already an execution in progress');
    };

    await expect(dispatchRecord(sqsRecord({ receiveCount: 2 }), deps({ settleOnce, remainingMs: () => 42_300 }))).rejects.toMatchObject({
      errorName: 'IdempotencyAlreadyInProgressError',
    });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(43 + 5);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('on the last receive, waits for another delivery of the same message and settles with its result', async () => {
    const { IdempotencyAlreadyInProgressError } = await import('@aws-lambda-powertools/idempotency');
    let looks = 0;
    const settleOnce = async () => {
      looks += 1;
      if (looks < 3) throw new IdempotencyAlreadyInProgressError('There is already an execution in progress');
      return { outcome: 'applied' as const, output: applied, duplicate: true as const };
    };

    await expect(
      dispatchRecord(sqsRecord({ receiveCount: config.maxReceiveCount }), deps({ settleOnce, remainingMs: () => 60_000, inProgressPollMs: 1 })),
    ).resolves.toEqual({ outcome: 'applied', output: applied, duplicate: true });
    expect(looks).toBe(3);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('on the last receive, parks a record with its reason when another delivery still runs it as the deadline nears', async () => {
    const { IdempotencyAlreadyInProgressError } = await import('@aws-lambda-powertools/idempotency');
    let looks = 0;
    const settleOnce = async (): Promise<never> => {
      looks += 1;
      throw new IdempotencyAlreadyInProgressError('There is already an execution in progress');
    };
    // The factory's workflow timeout is 30 s: looks stop once 30 s + 5 s no longer fit.
    let remaining = 38_000;

    await expect(
      dispatchRecord(
        sqsRecord({ receiveCount: config.maxReceiveCount, messageId: 'm-late' }),
        deps({ settleOnce, remainingMs: () => (remaining -= 1_000), inProgressPollMs: 1 }),
      ),
    ).resolves.toMatchObject({ outcome: 'parked', errorName: 'IdempotencyAlreadyInProgressError' });
    expect(looks).toBe(3);
    expect(parkedAttributes()).toMatchObject({ errorName: 'IdempotencyAlreadyInProgressError', sourceMessageId: 'm-late', receiveCount: String(config.maxReceiveCount) });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('on the last receive, never looks again (a look may start the workflow) once a whole workflow no longer fits', async () => {
    const { IdempotencyAlreadyInProgressError } = await import('@aws-lambda-powertools/idempotency');
    let looks = 0;
    const settleOnce = async (): Promise<never> => {
      looks += 1;
      throw new IdempotencyAlreadyInProgressError('There is already an execution in progress');
    };

    await expect(
      dispatchRecord(sqsRecord({ receiveCount: config.maxReceiveCount }), deps({ settleOnce, remainingMs: () => 20_000, inProgressPollMs: 1 })),
    ).resolves.toMatchObject({ outcome: 'parked', errorName: 'IdempotencyAlreadyInProgressError' });
    expect(looks).toBe(1);
  });

  it('logs with the message id and Genesys correlation id of each record', async () => {
    sfnMock.on(StartSyncExecutionCommand).resolves(execution({ output: JSON.stringify(applied) }));
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    try {
      const logger = new Logger({ logLevel: 'INFO', serviceName: 'dispatcher' });
      await dispatchRecord(sqsRecord({ messageId: 'm-log', body: genesysEvent({ correlationId: 'corr-1' }) }), deps({ logger }));
    } finally {
      write.mockRestore();
    }
    const entries = lines.flatMap((chunk) => chunk.split('\n')).filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.find((entry) => entry.message === 'record settled')).toMatchObject({
      messageId: 'm-log',
      correlation_id: 'corr-1',
      conversationId: '2f7bf00a-0fc2-4d6a-9b56-92238191433e',
      outcome: 'applied',
    });
  });
});

describe('createSfnClient', () => {
  it('drops the sync- host prefix only when an endpoint is configured', async () => {
    const prefixDisabled = (env: Record<string, string>) => createSfnClient(150, env).config.disableHostPrefix;
    expect(prefixDisabled({})).toBe(false);
    expect(prefixDisabled({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe(true);
    expect(prefixDisabled({ AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:8083' })).toBe(true);
    expect(prefixDisabled({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBe(false);
  });
});
