import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import {
  ConfigurationError,
  GenesysBadRequest,
  GenesysForbidden,
  GenesysNotFound,
  GenesysRateLimited,
  GenesysUnauthorized,
  GenesysUnavailable,
  InvalidEvent,
  type PipelineError,
} from '../../functions/shared/errors.js';
import { CONVERSATION_EVENT_KINDS, type WorkflowInput } from '../../functions/shared/events.js';
import { ACTED_ON_KINDS } from '../helpers/default-actions.js';
import { defaultActions } from '../../tools/actions/index.js';
import {
  PROJECT_ROOT,
  applySubstitutions,
  definitionSubstitutions,
  getProperties,
  loadTemplate,
  type AslDefinition,
  type Retrier,
} from '../../template/index.js';

const template = loadTemplate();
const substitutions = definitionSubstitutions(template, 'ProcessEventStateMachine');
const definitionText = readFileSync(resolve(PROJECT_ROOT, String(getProperties(template, 'ProcessEventStateMachine').DefinitionUri)), 'utf8');
const definition = JSON.parse(applySubstitutions(definitionText, substitutions)) as AslDefinition;
const TASK = 'Update conversation';
const retriers = definition.States[TASK]!.Retry!;
const retrierFor = (error: string): Retrier => retriers.find((retrier) => retrier.ErrorEquals.includes(error))!;

/** A workflow input as the dispatcher builds it. */
function workflowInput(kind: string): WorkflowInput {
  return {
    messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
    eventId: '5b3f4ad3-6c2e-4d4b-9c55-0a7cbd5b7d1e',
    kind,
    correlationId: 'c0ffee00-0000-4000-8000-000000000000',
    body: {
      conversationId: '8f6b2f7e-3c2a-4a57-9d52-1d2f7c3b9a10',
      participantId: '2c1e8a44-9b1d-4f0c-a3c5-6e4b7d2f8a91',
      eventTime: 1_700_000_000_000,
    },
  };
}

type Outcome = PipelineError | Error | Record<string, unknown>;

/**
 * The processor as the `lambda:invoke` integration shows it to the workflow: the task receives
 * `{FunctionName, Payload}` and answers `{StatusCode, Payload}`; a thrown error reaches Step Functions
 * with error = its `name` and cause = Lambda's JSON `{errorType, errorMessage}`.
 * Answers `outcomes` in turn, repeating the last one.
 */
function fakeProcessor(...outcomes: Outcome[]) {
  const calls: unknown[] = [];
  const handler = async (input: unknown): Promise<unknown> => {
    calls.push(input);
    const outcome = outcomes[Math.min(calls.length, outcomes.length) - 1]!;
    if (outcome instanceof Error) {
      const lambdaError = new Error(JSON.stringify({ errorType: outcome.name, errorMessage: outcome.message }));
      lambdaError.name = outcome.name;
      throw lambdaError;
    }
    return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: outcome };
  };
  return { calls, handler };
}

// Validating a definition is the slow part, so each is validated once. StateMachine's validation adds
// QueryLanguage to every state of what it is given: it gets a copy, and `definition` stays as read.
const machines = new WeakMap<AslDefinition, StateMachine>();

function run(input: unknown, processor: ReturnType<typeof fakeProcessor>, asl: AslDefinition = definition) {
  const machine = machines.get(asl) ?? new StateMachine(structuredClone(asl) as never);
  machines.set(asl, machine);
  return machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: { [TASK]: processor.handler as never },
      retryIntervalOverrides: { [TASK]: 0 },
    },
  }).result;
}

/** The error a failed execution ends with: a Fail state's ErrorPath/CausePath surface as the cause's name and message. */
async function failure(result: Promise<unknown>): Promise<{ error: string; cause: string }> {
  const thrown = await result.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(ExecutionError);
  const { name, message } = (thrown as ExecutionError).cause as Error;
  return { error: name, cause: message };
}

const applied = (kind: string) => ({
  status: 'applied',
  conversationId: workflowInput(kind).body.conversationId,
  participantId: workflowInput(kind).body.participantId,
  attributes: { [`aws.${kind}`]: '2023-11-14T22:13:20.000Z' },
});

describe('process-event workflow', () => {
  it('is written in JSONPath, not JSONata', () => {
    expect(definition.QueryLanguage).toBe('JSONPath');
    expect(definitionText).not.toMatch(/JSONata|\{%/);
  });

  it('routes exactly the kinds actions.yaml acts on, each to its own action', () => {
    const { Choices } = definition.States['Route by action'] as unknown as { Choices: { StringEquals: string; Next: string }[] };
    expect(Choices.map((choice) => choice.StringEquals).sort()).toEqual([...ACTED_ON_KINDS].sort());
    expect(new Set(Choices.map((choice) => choice.Next)).size).toBe(ACTED_ON_KINDS.length);
  });

  const notActedOn = CONVERSATION_EVENT_KINDS.filter((kind) => !(ACTED_ON_KINDS as readonly string[]).includes(kind));

  it.each(notActedOn)('lets a %s event succeed without calling the processor', async (kind) => {
    const processor = fakeProcessor(applied(kind));
    await expect(run(workflowInput(kind), processor)).resolves.toEqual(workflowInput(kind));
    expect(processor.calls).toEqual([]);
  });

  it.each([...ACTED_ON_KINDS])('hands a %s event to the processor once, with its action\'s plan, and outputs its result', async (kind) => {
    const processor = fakeProcessor(applied(kind));
    await expect(run(workflowInput(kind), processor)).resolves.toEqual(applied(kind));
    const plan = defaultActions().actions.find((action) => action.on.includes(kind))!.plan;
    expect(processor.calls).toEqual([{ FunctionName: substitutions.ProcessorFunctionArn, Payload: { ...workflowInput(kind), action: plan } }]);
  });

  it.each<[string, Error]>([
    ['Genesys.RateLimited', new GenesysRateLimited('429', { status: 429, retryAfterSeconds: 1 })],
    ['Genesys.Unavailable', new GenesysUnavailable('503', { status: 503 })],
    ['Genesys.NotFound', new GenesysNotFound('404', { status: 404 })],
    ['Lambda.TooManyRequestsException', Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' })],
    ['Lambda.ServiceException', Object.assign(new Error('service'), { name: 'Lambda.ServiceException' })],
    ['Lambda.ClientExecutionTimeoutException', Object.assign(new Error('client execution timeout'), { name: 'Lambda.ClientExecutionTimeoutException' })],
    ['Lambda.Unknown', Object.assign(new Error('the function ran out of memory'), { name: 'Lambda.Unknown' })],
    ['Sandbox.Timedout', Object.assign(new Error('Task timed out after 10.00 seconds'), { name: 'Sandbox.Timedout' })],
  ])('retries %s and succeeds when the next attempt does', async (_name, error) => {
    const processor = fakeProcessor(error, applied('acw'));
    await expect(run(workflowInput('acw'), processor)).resolves.toEqual(applied('acw'));
    expect(processor.calls).toHaveLength(2);
  });

  it.each<[string, Error]>([
    ['Genesys.Forbidden', new GenesysForbidden('403 missing permission conversation:participant:attributes:edit', { status: 403 })],
    ['Genesys.Unauthorized', new GenesysUnauthorized('401 after re-login', { status: 401 })],
    ['Genesys.BadRequest', new GenesysBadRequest('400 attributes too long', { status: 400 })],
    ['InvalidEvent', new InvalidEvent('task payload kind "x" is not an event kind')],
    ['ConfigurationError', new ConfigurationError('the Genesys client secret still holds its placeholder')],
    ['TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('fails at once on %s, with the error name and its cause', async (name, error) => {
    const processor = fakeProcessor(error, applied('acw'));
    const { error: failedWith, cause } = await failure(run(workflowInput('customer.end'), processor));
    expect(processor.calls).toHaveLength(1);
    expect(failedWith).toBe(name);
    expect(JSON.parse(cause)).toEqual({ errorType: name, errorMessage: error.message });
  });

  it.each(['Genesys.NotFound', 'Genesys.RateLimited', 'Genesys.Unavailable'])(
    'retries %s exactly its MaxAttempts, then fails with it',
    async (name) => {
      const { MaxAttempts } = retrierFor(name);
      expect(MaxAttempts).toBeLessThanOrEqual(3);
      const processor = fakeProcessor(Object.assign(new Error('still failing'), { name }));
      const { error } = await failure(run(workflowInput('acd.start'), processor));
      expect(error).toBe(name);
      expect(processor.calls).toHaveLength(1 + MaxAttempts!);
    },
  );

  it('retries a task timeout once, then fails with States.Timeout', async () => {
    const quick = structuredClone(definition);
    quick.States[TASK]!.TimeoutSeconds = 1; // the real 10 s, shortened so the test runs in two seconds
    const processor = fakeProcessor({});
    processor.handler = (input: unknown) => {
      processor.calls.push(input);
      return new Promise(() => {});
    };
    const { error } = await failure(run(workflowInput('user.end'), processor, quick));
    expect(error).toBe('States.Timeout');
    expect(processor.calls).toHaveLength(1 + retrierFor('States.Timeout').MaxAttempts!);
  });

  it.each(retriers.map((retrier) => [retrier.ErrorEquals.join(', '), retrier] as const))(
    'backs off %s with full jitter up to a capped delay',
    (_errors, retrier) => {
      expect(retrier).toEqual({
        ErrorEquals: expect.any(Array),
        IntervalSeconds: expect.any(Number),
        BackoffRate: expect.any(Number),
        MaxDelaySeconds: expect.any(Number),
        MaxAttempts: expect.any(Number),
        JitterStrategy: 'FULL',
      });
    },
  );

  it('catches every error into a Fail state that keeps the error and cause', () => {
    expect(definition.States[TASK]!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Update failed' }]);
    expect(definition.States['Update failed']).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });
});
