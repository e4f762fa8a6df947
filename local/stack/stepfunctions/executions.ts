/**
 * Runs executions of the endpoint's state machines with aws-local-stepfunctions, and keeps their
 * counters and the record of every StartSyncExecution.
 */
import '../polyfills.js';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { scaleDefinition, type LocalStateMachine } from './definition.js';
import type { LambdaInvoker } from '../lambda/runtime.js';
import { lambdaTaskHandlers, type TaskHandler } from './lambda-tasks.js';
import { LOCAL_ACCOUNT } from '../moto.js';

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
  /** Task attempts beyond the first of each Task state in each execution: the workflow's own retries (its ASL has no loops). */
  taskRetries: number;
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

/** How an execution ended: its output when it succeeded, its error and cause when it did not. */
export interface ExecutionResult {
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
}

/** A state machine ready to run: its time-scaled definition and the handlers of its Lambda tasks. */
export interface Machine {
  spec: LocalStateMachine;
  runnable: StateMachine;
  handlers: Record<string, TaskHandler>;
}

/** How `prepareMachine` runs a definition. */
export interface MachineOptions {
  lambda: LambdaInvoker;
  timeScale?: number;
  minScaledTimeoutSeconds?: number;
}

/**
 * Validates `spec`'s definition as written and prepares its time-scaled copy.
 * @throws the library's validation error when the definition is not valid ASL.
 */
export function prepareMachine(spec: LocalStateMachine, options: MachineOptions): Machine {
  // Validate the definition as written; the scaled copy carries fractional seconds ASL does not allow.
  new StateMachine(spec.definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const scaled = scaleDefinition(spec.definition, options.timeScale ?? 1, options.minScaledTimeoutSeconds);
  const runnable = new StateMachine(scaled, { validationOptions: { noValidate: true } });
  return { spec, runnable, handlers: lambdaTaskHandlers(spec.definition.States, options.lambda) };
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

/** The task handlers of one execution, each counting its attempts (Retry runs a Task state's handler again). */
function countingAttempts(handlers: Record<string, TaskHandler>, attempts: Map<string, number>): Record<string, TaskHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [
      state,
      (input: unknown) => {
        attempts.set(state, (attempts.get(state) ?? 0) + 1);
        return handler(input);
      },
    ]),
  );
}

/** The IAM role a local execution names in its context object. */
export function localRoleArn(machine: Machine): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${machine.spec.name}Role`;
}

/** The executions of one endpoint: running, finished, and counted. */
export class Executions {
  /** By execution ARN, in the order started (a Map keeps insertion order). */
  readonly syncRecords = new Map<string, SyncExecutionRecord>();
  private readonly aborts = new Set<() => void>();
  private readonly counters: StepFunctionsStats = {
    started: 0,
    byStatus: { SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, ABORTED: 0 },
    errors: {},
    inFlight: 0,
    peakInFlight: 0,
    taskRetries: 0,
  };

  /** Runs one execution to its end; never rejects: a failure is a FAILED or TIMED_OUT result. */
  async run(machine: Machine, executionArn: string, name: string, input: unknown): Promise<ExecutionResult> {
    this.counters.started += 1;
    this.counters.inFlight += 1;
    this.counters.peakInFlight = Math.max(this.counters.peakInFlight, this.counters.inFlight);
    const attempts = new Map<string, number>();
    const execution = machine.runnable.run(input as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: countingAttempts(machine.handlers, attempts) as never },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: executionArn, Name: name, StartTime: new Date().toISOString(), RoleArn: localRoleArn(machine) },
        StateMachine: { Id: machine.spec.arn, Name: machine.spec.name },
      },
    });
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      execution.abort();
    };
    this.aborts.add(abort);
    let result: ExecutionResult;
    try {
      const output = await execution.result;
      result = aborted ? { status: 'ABORTED' } : { status: 'SUCCEEDED', output: JSON.stringify(output) };
    } catch (error) {
      result = failureOf(error);
    } finally {
      this.aborts.delete(abort);
      this.counters.inFlight -= 1;
      for (const count of attempts.values()) this.counters.taskRetries += count - 1;
    }
    this.count(result);
    return result;
  }

  /** Whether an execution is running. */
  get busy(): boolean {
    return this.counters.inFlight > 0;
  }

  stats(): StepFunctionsStats {
    return { ...this.counters, byStatus: { ...this.counters.byStatus }, errors: { ...this.counters.errors } };
  }

  /** Aborts every running execution: each ends ABORTED. */
  abortAll(): void {
    for (const abort of this.aborts) abort();
  }

  private count(result: ExecutionResult): void {
    this.counters.byStatus[result.status] += 1;
    if (result.error !== undefined) this.counters.errors[result.error] = (this.counters.errors[result.error] ?? 0) + 1;
  }
}
