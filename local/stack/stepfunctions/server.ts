/**
 * A loopback Step Functions endpoint (AWS JSON 1.0 protocol) that runs the template's state machines
 * with aws-local-stepfunctions: StartSyncExecution as Express answers it (HTTP 200 even when the
 * execution FAILED or TIMED_OUT), StartExecution, DescribeStateMachine. Lambda tasks
 * (`arn:aws:states:::lambda:invoke`) run in the local Lambda runtime, and their errors reach
 * Retry/Catch as Step Functions' Lambda integration reports them: error = the Lambda errorType,
 * cause = Lambda's error payload as JSON.
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
 */
import '../polyfills.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { InvokeOutcome, LambdaError } from '../lambda/runtime.js';
import { scaleDefinition, taskStates, type LocalStateMachine } from './definition.js';

/** Final statuses of an execution. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Counters for the run summary. */
export interface StepFunctionsStats {
  started: number;
  byStatus: Record<ExecutionStatus, number>;
  /** Failed and timed-out executions by error name. */
  errors: Record<string, number>;
  inFlight: number;
  peakInFlight: number;
}

/** One StartSyncExecution, for the fault suite's invariants. */
export interface SyncExecutionRecord {
  executionArn: string;
  /** The workflow input's `messageId` (the SQS message the dispatcher started it for), when it has one. */
  messageId?: string;
  status?: ExecutionStatus;
  /** The output's `status` (`applied` when the processor wrote to Genesys). */
  outputStatus?: string;
  /** Whether the answer reached the caller: false when the caller had hung up (timed out, aborted) by then. */
  delivered?: boolean;
}

/** Options of `startStepFunctionsServer`. */
export interface StepFunctionsServerOptions {
  stateMachines: LocalStateMachine[];
  /** Invokes a Lambda function of the local runtime by name or ARN. */
  invoke(functionNameOrArn: string, payload: unknown): Promise<InvokeOutcome>;
  /** Divides every duration of the definitions (timeouts, waits, retry intervals) for fast runs. */
  timeScale?: number;
  /** Floor of the scaled execution and task timeouts (default MIN_SCALED_TIMEOUT_SECONDS of local/shared/time-scale.ts). */
  minScaledTimeoutSeconds?: number;
  port?: number;
}

/** A running endpoint. */
export interface StepFunctionsServer {
  endpoint: string;
  port: number;
  stats(): StepFunctionsStats;
  /** Every StartSyncExecution so far, in the order started. */
  syncExecutions(): readonly SyncExecutionRecord[];
  /** Whether an execution is running. */
  readonly busy: boolean;
  /** Aborts running executions and closes the server. */
  stop(): Promise<void>;
}

/** An AWS JSON 1.0 client error: HTTP 400 with `__type`. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** AWS JSON protocol timestamps are epoch seconds. */
const epochSeconds = (ms: number): number => ms / 1_000;

const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:invoke$/;
const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:/;

/**
 * The error Step Functions' Lambda integration raises for a function error: `name` is what Retry and
 * Catch match (the errorType); the message becomes the cause (aws-local-stepfunctions puts a caught
 * error's `message` into `Cause`).
 */
function lambdaTaskError(error: LambdaError): Error {
  const failure = new Error(JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, trace: error.trace }));
  failure.name = error.errorType === 'ResourceNotFoundException' ? 'Lambda.ResourceNotFoundException' : error.errorType;
  return failure;
}

interface Machine {
  spec: LocalStateMachine;
  runnable: StateMachine;
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

function prepare(spec: LocalStateMachine, options: StepFunctionsServerOptions): Machine {
  // Validate the definition as written; the scaled copy carries fractional seconds ASL does not allow.
  new StateMachine(spec.definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const timeScale = options.timeScale ?? 1;
  const runnable = new StateMachine(scaleDefinition(spec.definition, timeScale, options.minScaledTimeoutSeconds), { validationOptions: { noValidate: true } });
  const handlers: Machine['handlers'] = {};
  for (const { name, resource } of taskStates(spec.definition.States)) {
    if (LAMBDA_INVOKE.test(resource)) {
      handlers[name] = async (input) => {
        const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
        if (typeof FunctionName !== 'string') throw Object.assign(new Error('lambda:invoke needs Parameters.FunctionName'), { name: 'States.Runtime' });
        const outcome = await options.invoke(FunctionName, Payload ?? {});
        if (outcome.error !== undefined) throw lambdaTaskError(outcome.error);
        return {
          ExecutedVersion: '$LATEST',
          Payload: outcome.result,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: randomUUID() },
          StatusCode: 200,
        };
      };
    } else if (LAMBDA_ARN.test(resource)) {
      // The legacy form: the Resource is the function ARN and the result is the function's output.
      handlers[name] = async (input) => {
        const outcome = await options.invoke(resource, input);
        if (outcome.error !== undefined) throw lambdaTaskError(outcome.error);
        return outcome.result;
      };
    }
  }
  return { spec, runnable, handlers };
}

interface ExecutionResult {
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
}

function parseJsonSafely(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The error and cause of a rejected run, as aws-local-stepfunctions reports them. */
function failureOf(error: unknown): ExecutionResult {
  if (error instanceof ExecutionTimeoutError) {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds).' };
  }
  // ExecutionError wraps the state's error in `cause`: its name is the error, its message the cause
  // (for a Fail state: Error/ErrorPath and Cause/CausePath).
  const inner = error instanceof ExecutionError ? (error.cause as Error | undefined) : (error as Error);
  return { status: 'FAILED', error: inner?.name ?? 'States.Runtime', cause: inner?.message ?? String(error) };
}

/** Starts the endpoint on 127.0.0.1. */
export async function startStepFunctionsServer(options: StepFunctionsServerOptions): Promise<StepFunctionsServer> {
  const machines = new Map(options.stateMachines.map((spec) => [spec.arn, prepare(spec, options)]));
  const running = new Set<() => void>();
  /** By execution ARN, in the order started (a Map keeps insertion order). */
  const syncExecutions = new Map<string, SyncExecutionRecord>();
  const stats: StepFunctionsStats = {
    started: 0,
    byStatus: { SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, ABORTED: 0 },
    errors: {},
    inFlight: 0,
    peakInFlight: 0,
  };

  function machineOf(arn: unknown): Machine {
    const machine = typeof arn === 'string' ? machines.get(arn) : undefined;
    if (machine === undefined) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  }

  function parseInput(input: unknown): unknown {
    if (input === undefined) return {};
    try {
      return JSON.parse(String(input));
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
  }

  async function execute(machine: Machine, executionArn: string, name: string, input: unknown): Promise<ExecutionResult> {
    stats.started += 1;
    stats.inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    const startTime = new Date().toISOString();
    const execution = machine.runnable.run(input as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: machine.handlers as never },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: executionArn, Name: name, StartTime: startTime, RoleArn: `arn:aws:iam::123456789012:role/${machine.spec.name}Role` },
        StateMachine: { Id: machine.spec.arn, Name: machine.spec.name },
      },
    });
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      execution.abort();
    };
    running.add(abort);
    let result: ExecutionResult;
    try {
      const output = await execution.result;
      result = aborted ? { status: 'ABORTED' } : { status: 'SUCCEEDED', output: JSON.stringify(output) };
    } catch (error) {
      result = failureOf(error);
    } finally {
      running.delete(abort);
      stats.inFlight -= 1;
    }
    stats.byStatus[result.status] += 1;
    if (result.error !== undefined) stats.errors[result.error] = (stats.errors[result.error] ?? 0) + 1;
    return result;
  }

  function newExecution(machine: Machine, body: Record<string, unknown>): { executionArn: string; name: string } {
    const name = typeof body.name === 'string' && body.name !== '' ? body.name : randomUUID();
    const kind = machine.spec.type === 'EXPRESS' ? 'express' : 'execution';
    const suffix = machine.spec.type === 'EXPRESS' ? `:${randomUUID()}` : '';
    return { executionArn: `arn:aws:states:us-east-1:123456789012:${kind}:${machine.spec.name}:${name}${suffix}`, name };
  }

  const operations: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    async StartSyncExecution(body) {
      const machine = machineOf(body.stateMachineArn);
      if (machine.spec.type !== 'EXPRESS') {
        throw new ServiceError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
      }
      const input = parseInput(body.input);
      const { executionArn, name } = newExecution(machine, body);
      const messageId = (input as { messageId?: unknown } | null)?.messageId;
      const record: SyncExecutionRecord = { executionArn, ...(typeof messageId === 'string' ? { messageId } : {}) };
      syncExecutions.set(executionArn, record);
      const startDate = Date.now();
      const result = await execute(machine, executionArn, name, input);
      const stopDate = Date.now();
      record.status = result.status;
      const outputStatus = (parseJsonSafely(result.output) as { status?: unknown } | undefined)?.status;
      if (typeof outputStatus === 'string') record.outputStatus = outputStatus;
      return {
        executionArn,
        stateMachineArn: machine.spec.arn,
        name,
        startDate: epochSeconds(startDate),
        stopDate: epochSeconds(stopDate),
        status: result.status,
        ...(result.output !== undefined ? { output: result.output, outputDetails: { included: true } } : {}),
        ...(result.error !== undefined ? { error: result.error, cause: result.cause } : {}),
        input: typeof body.input === 'string' ? body.input : '{}',
        inputDetails: { included: true },
        // Express bills per 100 ms with at least 64 MB.
        billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil((stopDate - startDate) / 100) * 100) },
      };
    },
    async StartExecution(body) {
      const machine = machineOf(body.stateMachineArn);
      const input = parseInput(body.input);
      const { executionArn, name } = newExecution(machine, body);
      void execute(machine, executionArn, name, input);
      return { executionArn, startDate: epochSeconds(Date.now()) };
    },
    async DescribeStateMachine(body) {
      const machine = machineOf(body.stateMachineArn);
      return {
        stateMachineArn: machine.spec.arn,
        name: machine.spec.name,
        status: 'ACTIVE',
        definition: JSON.stringify(machine.spec.definition, null, 2),
        roleArn: `arn:aws:iam::123456789012:role/${machine.spec.name}Role`,
        type: machine.spec.type,
        creationDate: epochSeconds(startedAt),
      };
    },
  };
  const startedAt = Date.now();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = operations[target.replace(/^AWSStepFunctions\./, '')];
    let status = 200;
    let payload: unknown;
    try {
      if (request.method !== 'POST' || !target.startsWith('AWSStepFunctions.') || operation === undefined) {
        throw new ServiceError('UnknownOperationException', `unsupported operation ${target || '(no X-Amz-Target)'}`);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ServiceError('SerializationException', 'request body is not JSON');
      }
      payload = await operation(body);
    } catch (error) {
      const serviceError = error instanceof ServiceError ? error : new ServiceError('InternalFailure', (error as Error).message);
      status = serviceError.type === 'InternalFailure' ? 500 : 400;
      payload = { __type: `com.amazonaws.states#${serviceError.type}`, message: serviceError.message };
      response.setHeader('x-amzn-errortype', serviceError.type);
    }
    const text = JSON.stringify(payload);
    // The caller hung up (timed out, aborted) while it waited: its side of the connection has ended (the server keeps
    // sockets half-open, so a write would still "finish").
    const hungUp = request.socket.destroyed || request.socket.readableEnded;
    const record = target === 'AWSStepFunctions.StartSyncExecution' ? syncExecutions.get(String((payload as { executionArn?: unknown }).executionArn)) : undefined;
    if (record !== undefined) {
      record.delivered = false;
      response.once('finish', () => {
        record.delivered = true;
      });
    }
    if (hungUp) return;
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    response.end(text);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus }, errors: { ...stats.errors } }),
    syncExecutions: () => [...syncExecutions.values()],
    get busy() {
      return stats.inFlight > 0;
    },
    async stop() {
      for (const abort of running) abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type { StateMachineDefinition };
