/**
 * The workflow and the processor together: statemachine/process-event.asl.json (substitutions applied)
 * run by aws-local-stepfunctions, its "Update conversation" task bound to the real processor handler,
 * which logs in and writes to a Genesys simulator. Only Secrets Manager is replaced (aws-sdk-client-mock).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { jest } from '@jest/globals';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { ErrorName } from '../../functions/shared/errors.js';
import type { WorkflowInput } from '../../functions/shared/events.js';
import { startGenesysSimulator, type GenesysSimulator } from '../../local/genesys-sim/server.js';
import { stateMachinesFromTemplate } from '../../local/stack/stepfunctions/definition.js';
import { functionEnvironment, loadTemplate, placeholderArn, resolveValue } from '../../template/index.js';
import { lambdaContext } from '../helpers/lambda-context.js';

const CONVERSATION = '3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e01';
const CUSTOMER = '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c02';
const FORBIDDEN_CONVERSATION = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e03';
const UNKNOWN_CONVERSATION = 'e9f8a7b6-c5d4-4e3f-8a2b-1c0d9e8f7a04';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:genesys-oauth-client-AbCdEf';
const TASK = 'Update conversation';

const template = loadTemplate();
const [processEvent] = stateMachinesFromTemplate(template);
if (processEvent === undefined) throw new Error('template.yaml has no state machine');
const retriers = (processEvent.definition.States[TASK] as { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] }).Retry;

/** MaxAttempts of the ASL retrier that handles `errorName`. */
function maxAttemptsOf(errorName: string): number {
  const retrier = retriers.find((candidate) => candidate.ErrorEquals.includes(errorName));
  if (retrier === undefined) throw new Error(`the ASL has no retrier for ${errorName}`);
  return retrier.MaxAttempts;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The task as Step Functions' Lambda integration runs it: the function's result comes back as
 * `{StatusCode: 200, Payload}`; a function error becomes an error named by its errorType whose message
 * (the library's Cause) is Lambda's error payload as JSON (local/stack/stepfunctions/server.ts does the same).
 */
function lambdaInvokeTask(handler: Handler, beforeInvoke: () => void): (input: unknown) => Promise<never> {
  return async (input) => {
    const { Payload } = input as { FunctionName: string; Payload: unknown };
    beforeInvoke();
    try {
      const result = await handler(Payload, lambdaContext({ functionName: 'ProcessorFunction', timeoutMs: 10_000 }));
      return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: result } as never;
    } catch (error) {
      const { name, message } = error as Error;
      throw Object.assign(new Error(JSON.stringify({ errorType: name, errorMessage: message })), { name });
    }
  };
}

function workflowInput(kind: string, conversationId: string, participantId = CUSTOMER): WorkflowInput {
  return {
    messageId: '5b0f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4',
    eventId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
    kind,
    correlationId: '11111111-2222-4333-8444-555555555555',
    body: { eventTime: 1_700_000_000_000, conversationId, participantId, mediaType: 'VOICE', direction: 'INBOUND' },
  };
}

/** An execution's failure as Step Functions reports it: the Fail state's error and cause. */
async function failureOf(result: Promise<unknown>): Promise<{ error: string; cause: string }> {
  try {
    await result;
  } catch (error) {
    expect(error).toBeInstanceOf(ExecutionError);
    const inner = (error as ExecutionError).cause as Error;
    return { error: inner.name, cause: inner.message };
  }
  throw new Error('the execution succeeded');
}

describe('the workflow with the processor', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  let simulator: GenesysSimulator;
  let machine: StateMachine;
  let handler: Handler;
  let invocations = 0;
  /** Runs before each processor invocation, with its 1-based number. */
  let beforeInvocation: (invocation: number) => void;

  const patches = (conversationId: string) =>
    simulator.ledger.requests.filter((request) => request.method === 'PATCH' && request.conversationId === conversationId);
  const start = (input: WorkflowInput) =>
    machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: { [TASK]: lambdaInvokeTask(handler, () => beforeInvocation((invocations += 1))) as never },
        // Retries as the ASL orders them, without the backoff waits.
        retryIntervalOverrides: { [TASK]: 0 },
      },
    });
  const run = (input: WorkflowInput): Promise<unknown> => start(input).result;

  beforeAll(async () => {
    simulator = await startGenesysSimulator({
      conversations: [{ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer' }] }],
      forbiddenConversations: [FORBIDDEN_CONVERSATION],
    });
    const client = simulator.clients[0] as { clientId: string; clientSecret: string };
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify(client) });

    // The processor's environment as template.yaml sets it, plus the local stack's two base URLs.
    const environment = resolveValue(template, functionEnvironment(template, 'ProcessorFunction'), {
      parameters: { GenesysEventSourceName: 'aws.partner/genesys.com/cloud/test-org/test' },
      // The secret this test serves; other resources get placeholder ARNs, pseudo parameters their defaults.
      ref: (id) => {
        if (id === 'GenesysClientSecret') return SECRET_ARN;
        return template.Resources[id] === undefined ? String(resolveValue(template, { Ref: id })) : placeholderArn(template, id);
      },
    }) as Record<string, unknown>;
    for (const [name, value] of Object.entries(environment)) process.env[name] = String(value);
    Object.assign(process.env, { AWS_REGION: 'us-east-1', GENESYS_LOGIN_BASE_URL: simulator.loginBaseUrl, GENESYS_API_BASE_URL: simulator.apiBaseUrl });
    ({ handler } = (await import('../../functions/processor/handler.js')) as unknown as { handler: Handler });

    // The definition as deployed (validated), run with its own timeouts.
    machine = new StateMachine(processEvent.definition, { validationOptions: { checkArn: true, checkPaths: true } });
  });

  afterAll(async () => {
    await simulator.stop();
    secretsManager.restore();
  });

  beforeEach(() => {
    simulator.ledger.clear();
    simulator.configure({ faultRate: 0 });
    invocations = 0;
    beforeInvocation = () => undefined;
    // Powertools logs every update; keep the test output to the results.
    for (const stream of [process.stdout, process.stderr]) jest.spyOn(stream, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('applies a customer.start event and outputs the processor result', async () => {
    const output = await run(workflowInput('customer.start', CONVERSATION));

    expect(output).toEqual({
      status: 'applied',
      action: 'customer-start',
      conversationId: CONVERSATION,
      writes: [{ type: 'participantAttributes', participant: 'event', participantId: CUSTOMER, attributes: { 'aws.customer.start': '2023-11-14T22:13:20.000Z' } }],
    });
    expect(simulator.state()[CONVERSATION]?.[CUSTOMER]).toMatchObject({ 'aws.customer.start': '2023-11-14T22:13:20.000Z' });
    expect(patches(CONVERSATION).map((request) => request.status)).toEqual([202]);
  });

  it('routes a kind it does not act on past the processor, without a Genesys request', async () => {
    const input = workflowInput('attributes', CONVERSATION);

    const output = await run(input);

    expect(output).toEqual(input);
    expect(invocations).toBe(0);
    expect(simulator.ledger.requests).toEqual([]);
  });

  it('retries a Genesys outage in the workflow until the write is applied', async () => {
    const outageRequests = maxAttemptsOf(ErrorName.Unavailable);
    // One PATCH per invocation (the event names its participant): the first `outageRequests` answer 503.
    beforeInvocation = (invocation) => simulator.configure({ faultRate: invocation <= outageRequests ? 1 : 0, faultStatuses: [503] });

    const output = await run(workflowInput('customer.end', CONVERSATION));

    expect(output).toMatchObject({ status: 'applied', writes: [{ attributes: { 'aws.customer.end': '2023-11-14T22:13:20.000Z' } }] });
    expect(patches(CONVERSATION).map((request) => request.status)).toEqual([...Array(outageRequests).fill(503), 202]);
    expect(simulator.state()[CONVERSATION]?.[CUSTOMER]).toMatchObject({ 'aws.customer.end': '2023-11-14T22:13:20.000Z' });
  });

  it('fails a forbidden conversation with Genesys.Forbidden after one attempt, the cause kept', async () => {
    const { error, cause } = await failureOf(run(workflowInput('customer.start', FORBIDDEN_CONVERSATION)));

    expect(error).toBe(ErrorName.Forbidden);
    expect(JSON.parse(cause)).toEqual({ errorType: ErrorName.Forbidden, errorMessage: expect.stringContaining('403') });
    expect(patches(FORBIDDEN_CONVERSATION).map((request) => request.status)).toEqual([403]);
    expect(invocations).toBe(1);
  });

  it('ends a failure in the Fail state, with the error name and cause the processor threw', async () => {
    const execution = start(workflowInput('customer.start', FORBIDDEN_CONVERSATION));
    const { error, cause } = await failureOf(execution.result);
    const entered: string[] = [];
    let failed: unknown;
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'ExecutionFailed') failed = event;
    }

    expect(entered).toEqual(['Route by action', 'Action: customer-start', TASK, 'Update failed']);
    expect(failed).toMatchObject({ Error: error, Cause: cause });
    expect(error).toBe(ErrorName.Forbidden);
    expect(JSON.parse(cause)).toMatchObject({ errorType: ErrorName.Forbidden });
  });

  it('fails an unknown conversation with Genesys.NotFound after the ASL retries, the cause kept', async () => {
    const attempts = 1 + maxAttemptsOf(ErrorName.NotFound);

    const { error, cause } = await failureOf(run(workflowInput('customer.start', UNKNOWN_CONVERSATION)));

    expect(error).toBe(ErrorName.NotFound);
    expect(JSON.parse(cause)).toEqual({ errorType: ErrorName.NotFound, errorMessage: expect.stringContaining('404') });
    expect(patches(UNKNOWN_CONVERSATION).map((request) => request.status)).toEqual(Array(attempts).fill(404));
    expect(invocations).toBe(attempts);
  });
});
