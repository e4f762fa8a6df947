/**
 * A loopback Step Functions endpoint (AWS JSON 1.0 protocol) that runs the template's state machines
 * with aws-local-stepfunctions (./api.ts has the actions, ./executions.ts the runs). Lambda tasks
 * (`arn:aws:states:::lambda:invoke`) run through a {@link LambdaInvoker}, the local Lambda runtime,
 * and their errors reach Retry/Catch as Step Functions' Lambda integration reports them.
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { ServiceError, stepFunctionsOperations, type Operation } from './api.js';
import type { LocalStateMachine } from './definition.js';
import { Executions, prepareMachine, type StepFunctionsStats, type SyncExecutionRecord } from './executions.js';
import type { LambdaInvoker } from '../lambda/runtime.js';

export type { ExecutionStatus, StepFunctionsStats, SyncExecutionRecord } from './executions.js';
export type { StateMachineDefinition };

/** What the endpoint serves. */
export interface StepFunctionsServeOptions {
  stateMachines: LocalStateMachine[];
  /** Runs the functions the Lambda tasks name (the local Lambda runtime is one). */
  lambda: LambdaInvoker;
  /** Divides every duration of the definitions (timeouts, waits, retry intervals) for fast runs. */
  timeScale?: number;
  /** Floor of the scaled execution and task timeouts (default MIN_SCALED_TIMEOUT_SECONDS of local/shared/time-scale.ts). */
  minScaledTimeoutSeconds?: number;
}

/** Options of `startStepFunctionsServer`. */
export interface StepFunctionsServerOptions extends StepFunctionsServeOptions {
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

/**
 * An endpoint listening on its port that serves nothing yet. The local stack needs its URL before the
 * Lambda runtime exists (the functions' environment names it), and its tasks need that runtime: so it
 * binds first, the runtime is created next, and `serve` hands it the runtime.
 */
export interface BoundStepFunctionsEndpoint {
  endpoint: string;
  port: number;
  /** Serves the state machines from now on (once). */
  serve(options: StepFunctionsServeOptions): StepFunctionsServer;
  /** Aborts running executions and closes the server. */
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'AWSStepFunctions.';

interface Answer {
  status: number;
  payload: unknown;
  errorType?: string;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Runs the action `target` names on the request body; an error becomes the AWS JSON error answer. */
async function answerOf(request: IncomingMessage, target: string, operations: Record<string, Operation>): Promise<Answer> {
  const body = await readBody(request);
  const operation = operations[target.slice(TARGET_PREFIX.length)];
  try {
    if (request.method !== 'POST' || !target.startsWith(TARGET_PREFIX) || operation === undefined) {
      throw new ServiceError('UnknownOperationException', `unsupported operation ${target || '(no X-Amz-Target)'}`);
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw new ServiceError('SerializationException', 'request body is not JSON');
    }
    return { status: 200, payload: await operation(parsed) };
  } catch (error) {
    const serviceError = error instanceof ServiceError ? error : new ServiceError('InternalFailure', (error as Error).message);
    return {
      status: serviceError.type === 'InternalFailure' ? 500 : 400,
      payload: { __type: `com.amazonaws.states#${serviceError.type}`, message: serviceError.message },
      errorType: serviceError.type,
    };
  }
}

/** Writes the answer unless the caller hung up, and records on a StartSyncExecution whether it arrived. */
function respond(request: IncomingMessage, response: ServerResponse, answer: Answer, record: SyncExecutionRecord | undefined): void {
  if (answer.errorType !== undefined) response.setHeader('x-amzn-errortype', answer.errorType);
  const text = JSON.stringify(answer.payload);
  // The caller hung up (timed out, aborted) while it waited: its side of the connection has ended (the server keeps
  // sockets half-open, so a write would still "finish").
  const hungUp = request.socket.destroyed || request.socket.readableEnded;
  if (record !== undefined) {
    record.delivered = false;
    response.once('finish', () => {
      record.delivered = true;
    });
  }
  if (hungUp) return;
  response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
  response.end(text);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Binds the endpoint on 127.0.0.1 (`port` 0: any free one); see {@link BoundStepFunctionsEndpoint}. */
export async function bindStepFunctionsEndpoint(port = 0): Promise<BoundStepFunctionsEndpoint> {
  // Until `serve`, no action is known; nothing calls before then, as nothing knows the URL yet.
  let operations: Record<string, Operation> = {};
  let executions: Executions | undefined;
  const server = createServer((request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    answerOf(request, target, operations)
      .then((answer) => {
        const executionArn = String((answer.payload as { executionArn?: unknown }).executionArn);
        respond(request, response, answer, target === `${TARGET_PREFIX}StartSyncExecution` ? executions?.syncRecords.get(executionArn) : undefined);
      })
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      });
  });
  const bound = await listen(server, port);
  const endpoint = `http://127.0.0.1:${bound}`;
  const stop = async (): Promise<void> => {
    executions?.abortAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  return {
    endpoint,
    port: bound,
    stop,
    serve(options) {
      if (executions !== undefined) throw new Error('the Step Functions endpoint is already serving');
      const machines = new Map(options.stateMachines.map((spec) => [spec.arn, prepareMachine(spec, options)]));
      const running = new Executions();
      executions = running;
      operations = stepFunctionsOperations(machines, running);
      return {
        endpoint,
        port: bound,
        stats: () => running.stats(),
        syncExecutions: () => [...running.syncRecords.values()],
        get busy() {
          return running.busy;
        },
        stop,
      };
    },
  };
}

/** Starts the endpoint on 127.0.0.1, serving `options.stateMachines`. */
export async function startStepFunctionsServer(options: StepFunctionsServerOptions): Promise<StepFunctionsServer> {
  const bound = await bindStepFunctionsEndpoint(options.port);
  try {
    return bound.serve(options);
  } catch (error) {
    await bound.stop();
    throw error;
  }
}
