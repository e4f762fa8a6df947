import { defaultActions } from '../../tools/actions/index.js';
import {
  DescribeStateMachineCommand,
  SFNClient,
  StartSyncExecutionCommand,
  StateMachineDoesNotExist,
  type StartSyncExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { loadTemplate } from '../../template/index.js';
import { localFunctionArn } from '../../local/stack/provision.js';
import { stateMachinesFromTemplate, type LocalStateMachine } from '../../local/stack/stepfunctions/definition.js';
import { startStepFunctionsServer, type StepFunctionsServer } from '../../local/stack/stepfunctions/server.js';
import type { InvokeOutcome } from '../../local/stack/lambda/runtime.js';

const [processEvent] = stateMachinesFromTemplate(loadTemplate());
const updateState = (processEvent?.definition.States['Update conversation'] ?? {}) as { Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] };

/** A one-task machine whose execution times out long before its task would. */
const slowMachine: LocalStateMachine = {
  name: 'SlowStateMachine',
  arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:SlowStateMachine',
  type: 'EXPRESS',
  definition: {
    StartAt: 'Wait for the function',
    TimeoutSeconds: 5,
    States: {
      'Wait for the function': {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: localFunctionArn('SlowFunction'), 'Payload.$': '$' },
        TimeoutSeconds: 60,
        End: true,
      },
    },
  },
};

function workflowInput(kind: string): string {
  return JSON.stringify({ messageId: 'm-1', eventId: 'e-1', kind, body: { conversationId: '6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60' } });
}

describe('local Step Functions endpoint', () => {
  let server: StepFunctionsServer;
  let sfn: SFNClient;
  let answer: (functionName: string, payload: unknown) => Promise<InvokeOutcome>;
  const calls: { functionName: string; payload: unknown }[] = [];
  const pendingTimers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    server = await startStepFunctionsServer({
      stateMachines: [processEvent as LocalStateMachine, slowMachine],
      // 5 s of TimeoutSeconds become 50 ms; retry intervals shrink alike.
      timeScale: 100,
      minScaledTimeoutSeconds: 0,
      lambda: {
        invoke: (functionName, payload) => {
          calls.push({ functionName, payload });
          return answer(functionName, payload);
        },
      },
    });
    // Exactly how the dispatcher builds its client when an endpoint is configured.
    sfn = new SFNClient({
      endpoint: server.endpoint,
      disableHostPrefix: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });

  afterAll(async () => {
    pendingTimers.forEach(clearTimeout);
    sfn?.destroy();
    await server?.stop();
  });

  beforeEach(() => {
    calls.length = 0;
  });

  const start = (input: string, stateMachineArn = processEvent?.arn): Promise<StartSyncExecutionCommandOutput> =>
    sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input }));

  it('runs the template state machine and answers SUCCEEDED with the processor output', async () => {
    answer = async () => ({ result: { status: 'applied' } });

    const response = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: processEvent?.arn, input: workflowInput('customer.start') }));

    expect(response).toMatchObject({ status: 'SUCCEEDED', stateMachineArn: processEvent?.arn, input: workflowInput('customer.start') });
    expect(JSON.parse(response.output ?? '')).toEqual({ status: 'applied' });
    expect(response.executionArn).toMatch(/^arn:aws:states:us-east-1:123456789012:express:ProcessEventStateMachine:/);
    expect(response.startDate).toBeInstanceOf(Date);
    const plan = defaultActions().actions.find((action) => action.on.includes('customer.start'))?.plan;
    expect(calls).toEqual([{ functionName: localFunctionArn('ProcessorFunction'), payload: { ...JSON.parse(workflowInput('customer.start')), action: plan } }]);
  });

  it('answers HTTP 200 with FAILED, the Lambda error name and its error payload as cause', async () => {
    answer = async () => ({ error: { errorType: 'Genesys.BadRequest', errorMessage: '400 from Genesys', trace: ['at here'] } });

    const response = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: processEvent?.arn, input: workflowInput('acw') }));

    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(response).toMatchObject({ status: 'FAILED', error: 'Genesys.BadRequest' });
    expect(JSON.parse(response.cause ?? '')).toEqual({ errorType: 'Genesys.BadRequest', errorMessage: '400 from Genesys', trace: ['at here'] });
    expect(response.output).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('retries an error by name as the ASL says before failing with it', async () => {
    answer = async () => ({ error: { errorType: 'Genesys.RateLimited', errorMessage: '429', trace: [] } });
    const retrier = updateState.Retry?.find((candidate) => candidate.ErrorEquals.includes('Genesys.RateLimited'));
    const retriesBefore = server.stats().taskRetries;

    const response = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: processEvent?.arn, input: workflowInput('user.end') }));

    expect(response).toMatchObject({ status: 'FAILED', error: 'Genesys.RateLimited' });
    expect(calls).toHaveLength((retrier?.MaxAttempts ?? 3) + 1);
    // The run's "retries in the workflow" figure: every attempt after the task's first.
    expect(server.stats().taskRetries - retriesBefore).toBe(retrier?.MaxAttempts ?? 3);
  });

  it('succeeds without invoking anything for a kind the workflow does not act on', async () => {
    const response = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: processEvent?.arn, input: workflowInput('attributes') }));

    expect(response.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(0);
  });

  it('answers TIMED_OUT with States.Timeout once TimeoutSeconds (scaled) has passed', async () => {
    answer = () => new Promise((resolve) => pendingTimers.push(setTimeout(() => resolve({ result: {} }), 2_000)));

    const started = Date.now();
    const response = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: slowMachine.arn, input: '{}' }));

    expect(response).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('rejects an unknown state machine as Step Functions does', async () => {
    await expect(start('{}', 'arn:aws:states:us-east-1:123456789012:stateMachine:Nope')).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('describes a state machine with its substituted definition', async () => {
    const response = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: processEvent?.arn }));

    expect(response).toMatchObject({ name: 'ProcessEventStateMachine', type: 'EXPRESS', status: 'ACTIVE' });
    expect(response.definition).toContain(localFunctionArn('ProcessorFunction'));
    expect(response.definition).not.toContain('${');
  });

  it('counts executions by status and error name', () => {
    expect(server.stats()).toMatchObject({
      byStatus: { SUCCEEDED: 2, FAILED: 2, TIMED_OUT: 1 },
      errors: { 'Genesys.BadRequest': 1, 'Genesys.RateLimited': 1, 'States.Timeout': 1 },
      inFlight: 0,
      peakInFlight: 1,
      taskRetries: updateState.Retry?.find((candidate) => candidate.ErrorEquals.includes('Genesys.RateLimited'))?.MaxAttempts ?? 3,
    });
  });

  it('records each sync execution with its message id and whether its answer reached the caller', async () => {
    const before = server.syncExecutions().length;
    answer = async () => ({ result: { status: 'applied' } });
    await start(workflowInput('customer.start'));
    let release: (outcome: InvokeOutcome) => void = () => undefined;
    answer = () => new Promise((resolve) => (release = resolve));
    const abort = new AbortController();
    const abandoned = sfn.send(new StartSyncExecutionCommand({ stateMachineArn: processEvent?.arn, input: workflowInput('acw') }), { abortSignal: abort.signal });
    while (calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    abort.abort();
    await abandoned.catch(() => undefined);
    // The hang-up reaches the server's socket on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 100));
    release({ result: { status: 'applied' } });
    while (server.syncExecutions().at(-1)?.delivered === undefined) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(server.syncExecutions().slice(before)).toEqual([
      expect.objectContaining({ messageId: 'm-1', status: 'SUCCEEDED', outputStatus: 'applied', delivered: true }),
      // Its task may time out meanwhile; what matters is that the caller never got the answer.
      expect.objectContaining({ messageId: 'm-1', delivered: false }),
    ]);
  });
});
