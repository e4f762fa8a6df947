/**
 * Lambda execution environments for the local stack: per function a pool of worker threads, each
 * with its own module instance of the handler, serving one invocation at a time, created on demand
 * up to a concurrency limit and reused warm. The function's Timeout is enforced by terminating the
 * worker, as Lambda discards a sandbox that timed out.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Writable } from 'node:stream';
import { scaledTimeoutSeconds } from '../../shared/time-scale.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../moto.js';

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

/** Lambda's error payload: what Step Functions and the caller see of a failed invocation. */
export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** The outcome of one invocation: the handler's JSON result, or Lambda's error payload. */
export type InvokeOutcome = { result: unknown; error?: undefined } | { error: LambdaError; result?: undefined };

/** What runs a function by name or ARN: the {@link LambdaRuntime}, or a test's stand-in. */
export interface LambdaInvoker {
  invoke(functionNameOrArn: string, payload: unknown): Promise<InvokeOutcome>;
}

/** Counters of one function. */
export interface FunctionStats {
  invocations: number;
  coldStarts: number;
  errors: number;
  timeouts: number;
  /** Invocations running right now. */
  running: number;
  /** Invocations waiting for an environment (at the concurrency limit). */
  waiting: number;
  peakConcurrency: number;
  /** Environments alive (idle or busy). */
  environments: number;
}

/** One answered invocation: which request, and when its answer reached the caller (epoch ms). */
export interface AnsweredInvocation {
  awsRequestId: string;
  answeredAt: number;
}

/**
 * A handler bug that fails the same event the same way every time: invocations whose event `when`
 * accepts answer `error` as Lambda reports a thrown error, without running the handler.
 */
export interface InjectedBug {
  when(event: unknown): boolean;
  error: LambdaError;
}

/** How one function runs. */
export interface FunctionPoolOptions {
  /** The function name (locally the logical id). */
  functionName: string;
  /** Absolute path of the handler module: a bundle (.mjs/.js) or a TypeScript source (loaded through tsx). */
  handlerPath: string;
  /** The exported handler, `handler` for `Handler: handler.handler`. */
  handlerExport: string;
  /** The template's Timeout, in seconds. */
  timeoutSeconds: number;
  memorySize?: number;
  /** Environment variables of each execution environment (its whole `process.env`). */
  environment: Record<string, string>;
  /** Most environments at once; further invocations wait for one to free up. */
  maxConcurrency?: number;
  /** Shrinks the Timeout (and so getRemainingTimeInMillis) for fast tests, down to the floor of local/shared/time-scale.ts. */
  timeScale?: number;
  /** Floor of the scaled Timeout (default MIN_SCALED_TIMEOUT_SECONDS). */
  minScaledTimeoutSeconds?: number;
  /** Where the workers' stdout and stderr go (a per-run log file); by default this process's. */
  log?: Writable;
}

interface Pending {
  resolve(outcome: InvokeOutcome): void;
  timer: NodeJS.Timeout;
}

/** One execution environment. */
class ExecutionEnvironment {
  readonly worker: Worker;
  readonly ready: Promise<LambdaError | undefined>;
  private pending: Pending | undefined;
  private invocationId = 0;
  dead = false;
  /** Set once init succeeded: only such an environment is replaced when it dies (a failing init would loop). */
  initialised = false;

  constructor(
    private readonly options: FunctionPoolOptions,
    private readonly onDeath: (environment: ExecutionEnvironment) => void,
  ) {
    this.worker = new Worker(WORKER_URL, {
      env: options.environment,
      workerData: { handlerPath: options.handlerPath, handlerExport: options.handlerExport },
      stdout: true,
      stderr: true,
      // Lambda's heap grows with MemorySize; keep a similar ceiling so a leak shows up locally too.
      resourceLimits: options.memorySize === undefined ? undefined : { maxOldGenerationSizeMb: Math.max(64, options.memorySize) },
    });
    const log = options.log ?? process.stdout;
    this.worker.stdout.on('data', (chunk: Buffer) => log.write(chunk));
    this.worker.stderr.on('data', (chunk: Buffer) => log.write(chunk));
    this.ready = new Promise((resolve) => {
      const onMessage = (message: { type: string; error?: LambdaError }): void => {
        if (message.type === 'ready') {
          this.initialised = true;
          resolve(undefined);
        }
        else if (message.type === 'init-error') resolve(message.error);
        else return;
        this.worker.off('message', onMessage);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', () => resolve({ errorType: 'Runtime.ExitError', errorMessage: 'execution environment exited during init', trace: [] }));
    });
    this.worker.on('message', (message: { type: string; id?: number; result?: unknown; error?: LambdaError }) => {
      if ((message.type === 'result' || message.type === 'error') && message.id === this.invocationId) {
        this.settle(message.type === 'result' ? { result: message.result } : { error: message.error as LambdaError });
      }
    });
    this.worker.on('error', (error) => {
      this.settle({ error: { errorType: 'Runtime.ExitError', errorMessage: `execution environment crashed: ${error.message}`, trace: (error.stack ?? '').split('\n') } });
      this.kill();
    });
    this.worker.on('exit', () => {
      this.settle({ error: { errorType: 'Runtime.ExitError', errorMessage: 'execution environment exited', trace: [] } });
      this.markDead();
    });
  }

  /** Whether an invocation is running in this environment. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Terminates the environment as a crashed sandbox: the running invocation, if any, ends with
   * Lambda's Runtime.ExitError, and nothing of it runs on.
   */
  crash(): Promise<number> {
    this.settle({ error: { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: local Error: Runtime exited with error: signal: killed', trace: [] } });
    return this.kill();
  }

  /** Runs one invocation; the environment must be idle. */
  invoke(event: unknown, awsRequestId: string): Promise<InvokeOutcome> {
    const { functionName, timeoutSeconds, timeScale = 1, memorySize = 128, minScaledTimeoutSeconds } = this.options;
    const timeoutMs = scaledTimeoutSeconds(timeoutSeconds, timeScale, minScaledTimeoutSeconds) * 1_000;
    this.invocationId += 1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Lambda stops the sandbox on timeout: nothing of this invocation keeps running.
        this.settle({
          error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${awsRequestId} Error: Task timed out after ${(timeoutMs / 1_000).toFixed(2)} seconds`, trace: [] },
        });
        this.kill();
      }, timeoutMs);
      this.pending = { resolve, timer };
      this.worker.postMessage({
        type: 'invoke',
        id: this.invocationId,
        event,
        context: {
          awsRequestId,
          functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
          memoryLimitInMB: String(memorySize),
          logGroupName: `/aws/lambda/${functionName}`,
          logStreamName: `local/[$LATEST]${this.worker.threadId}`,
          deadlineMs: Date.now() + timeoutMs,
        },
      });
    });
  }

  private settle(outcome: InvokeOutcome): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  private markDead(): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this);
  }

  /** Terminates the worker at once. */
  kill(): Promise<number> {
    this.markDead();
    return this.worker.terminate();
  }
}

/** The execution environments of one function. */
export class FunctionPool {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly waiters: (() => void)[] = [];
  private stopped = false;
  /** Environments kept alive, idle or busy: dead ones are replaced in the background (see `prewarm`). */
  private warmFloor = 0;
  private readonly bugs: InjectedBug[] = [];
  /** Every answered invocation, in the order answered. */
  readonly answered: AnsweredInvocation[] = [];
  readonly stats: FunctionStats = { invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, running: 0, waiting: 0, peakConcurrency: 0, environments: 0 };

  constructor(readonly options: FunctionPoolOptions) {}

  /** Invokes the function once, synchronously (RequestResponse). */
  async invoke(event: unknown): Promise<InvokeOutcome> {
    if (this.stopped) throw new Error(`${this.options.functionName}: the runtime is stopped`);
    const awsRequestId = randomUUID();
    this.stats.invocations += 1;
    const bug = this.bugs.find((candidate) => candidate.when(event));
    if (bug !== undefined) {
      this.stats.errors += 1;
      this.answered.push({ awsRequestId, answeredAt: Date.now() });
      return { error: { ...bug.error, trace: [...bug.error.trace] } };
    }
    const environment = await this.acquire();
    this.stats.running += 1;
    this.stats.peakConcurrency = Math.max(this.stats.peakConcurrency, this.stats.running);
    try {
      const initError = await environment.ready;
      const outcome: InvokeOutcome = initError !== undefined ? { error: initError } : await environment.invoke(event, awsRequestId);
      if (initError !== undefined) void environment.kill();
      if (outcome.error !== undefined) {
        this.stats.errors += 1;
        if (outcome.error.errorType === 'Sandbox.Timedout') this.stats.timeouts += 1;
      }
      this.answered.push({ awsRequestId, answeredAt: Date.now() });
      return outcome;
    } finally {
      this.stats.running -= 1;
      this.release(environment);
    }
  }

  /** Whether an invocation is running or waiting. */
  get busy(): boolean {
    return this.stats.running > 0 || this.stats.waiting > 0;
  }

  /** From now on, events `bug.when` accepts fail with `bug.error` (see {@link InjectedBug}). */
  injectBug(bug: InjectedBug): void {
    this.bugs.push(bug);
  }

  /**
   * Starts environments until `count` exist (within maxConcurrency), waits for their init, and keeps
   * that many alive from then on, replacing a dead one in the background, as provisioned concurrency
   * does. Locally this keeps a cold start (real CPU time, never time-scaled) out of a scaled task timeout.
   */
  async prewarm(count: number): Promise<void> {
    this.warmFloor = Math.min(count, this.options.maxConcurrency ?? count);
    await Promise.all(this.topUp().map((environment) => environment.ready));
  }

  /**
   * Kills one busy environment mid-invocation, as a crashed sandbox: its invocation ends with
   * Runtime.ExitError. Resolves false when no invocation is running.
   */
  async killBusy(): Promise<boolean> {
    const busy = [...this.all].find((environment) => environment.busy && !environment.dead);
    if (busy === undefined) return false;
    await busy.crash();
    return true;
  }

  private topUp(): ExecutionEnvironment[] {
    const started: ExecutionEnvironment[] = [];
    while (!this.stopped && this.all.size < this.warmFloor) {
      const environment = this.create();
      this.idle.push(environment);
      started.push(environment);
    }
    return started;
  }

  private create(): ExecutionEnvironment {
    const environment = new ExecutionEnvironment(this.options, (dead) => this.forget(dead));
    this.all.add(environment);
    this.stats.coldStarts += 1;
    this.stats.environments = this.all.size;
    return environment;
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    const maxConcurrency = this.options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    for (;;) {
      if (this.stopped) throw new Error(`${this.options.functionName}: the runtime is stopped`);
      const warm = this.idle.pop();
      if (warm !== undefined) return warm;
      if (this.all.size < maxConcurrency) return this.create();
      this.stats.waiting += 1;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.stats.waiting -= 1;
    }
  }

  private release(environment: ExecutionEnvironment): void {
    if (!environment.dead && !this.stopped) this.idle.push(environment);
    this.waiters.shift()?.();
  }

  private forget(environment: ExecutionEnvironment): void {
    this.all.delete(environment);
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    this.stats.environments = this.all.size;
    if (environment.initialised) this.topUp();
    this.waiters.shift()?.();
  }

  /** Terminates every environment; running invocations end with Runtime.ExitError. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiters.splice(0)) waiter();
    await Promise.all([...this.all].map((environment) => environment.kill()));
  }
}

/** The part of a function name or ARN that names the function: `arn:...:function:X[:qualifier]` → `X`. */
export function functionNameOf(nameOrArn: string): string {
  const match = /^arn:aws[\w-]*:lambda:[^:]*:\d*:function:([^:]+)/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn.split(':')[0] ?? nameOrArn;
}

/** Every function's pool, addressed by name or ARN. */
export class LambdaRuntime implements LambdaInvoker {
  readonly pools = new Map<string, FunctionPool>();

  constructor(functions: FunctionPoolOptions[]) {
    for (const options of functions) this.pools.set(options.functionName, new FunctionPool(options));
  }

  /** Invokes a function by name or ARN. */
  invoke(functionNameOrArn: string, event: unknown): Promise<InvokeOutcome> {
    const pool = this.pools.get(functionNameOf(functionNameOrArn));
    if (pool === undefined) {
      return Promise.resolve({ error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionNameOrArn}`, trace: [] } });
    }
    return pool.invoke(event);
  }

  /** Keeps `count` environments of a function alive and initialised (see FunctionPool.prewarm). */
  prewarm(functionNameOrArn: string, count: number): Promise<void> {
    return this.pool(functionNameOrArn).prewarm(count);
  }

  /**
   * Kills a busy execution environment of a function mid-invocation, as a crashed sandbox would end:
   * the invocation fails with Runtime.ExitError. False when none of its invocations is running.
   */
  killEnvironment(functionNameOrArn: string): Promise<boolean> {
    return this.pool(functionNameOrArn).killBusy();
  }

  /** Makes a function fail the events `bug.when` accepts, every time, as a handler bug would. */
  injectBug(functionNameOrArn: string, bug: InjectedBug): void {
    this.pool(functionNameOrArn).injectBug(bug);
  }

  /** Every answered invocation of a function, with its request id and when the answer left the runtime. */
  answered(functionNameOrArn: string): readonly AnsweredInvocation[] {
    return this.pool(functionNameOrArn).answered;
  }

  private pool(functionNameOrArn: string): FunctionPool {
    const pool = this.pools.get(functionNameOf(functionNameOrArn));
    if (pool === undefined) throw new Error(`no function ${functionNameOrArn}`);
    return pool;
  }

  /** Stats per function name. */
  stats(): Record<string, FunctionStats> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, { ...pool.stats }]));
  }

  /** Whether any invocation runs or waits. */
  get busy(): boolean {
    return [...this.pools.values()].some((pool) => pool.busy);
  }

  /** Stops every pool. */
  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }
}

/** The worker script's path, for diagnostics. */
export const workerScriptPath = fileURLToPath(WORKER_URL);
