/**
 * The whole pipeline on one machine, from template.yaml and the ASL that SAM deploys: moto (SQS,
 * EventBridge, DynamoDB, Secrets Manager) provisioned from the template, the Genesys Cloud simulator,
 * the Step Functions endpoint, a pool of Lambda execution environments per function and the SQS event
 * source poller. `startLocalStack` starts them in that order; `stop()` stops them in reverse, also on
 * SIGINT/SIGTERM and when starting fails half-way, so nothing is left running.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { SQSClient, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PROJECT_ROOT, functionEnvironment, getProperties, loadTemplate, resourcesOfType, type Template } from '../../template/index.js';
import { LOCAL_AWS_ENV, startMoto, type MotoServer } from './moto.js';
import type { FaultProxy } from './fault-proxy.js';
import { provisionFromTemplate, type ProvisionedResources } from './provision.js';
import { startGenesysSimulator, type GenesysSimulator, type GenesysSimulatorOptions } from '../genesys-sim/server.js';
import { stateMachinesFromTemplate } from './stepfunctions/definition.js';
import {
  startStepFunctionsServer,
  type StateMachineDefinition,
  type StepFunctionsServer,
  type StepFunctionsStats,
  type SyncExecutionRecord,
} from './stepfunctions/server.js';
import { LambdaRuntime, type FunctionStats } from './lambda/runtime.js';
import { bundledHandlers, functionPoolsFromTemplate, sourceHandlers, type HandlerModule } from './lambda/template-functions.js';
import { startSqsPoller, type SqsPoller, type SqsPollerStats } from './lambda/sqs-poller.js';

/** The partner event source name locally, unless the parameters name one. */
export const LOCAL_EVENT_SOURCE_NAME = 'aws.partner/genesys.com/cloud/local-org/local';

/** Options of `startLocalStack`. */
export interface LocalStackOptions {
  /**
   * Divides the waits the template and ASL set (retry intervals, the batching window) by this factor,
   * and shrinks their timeouts (function, state machine, task) as far as local/shared/time-scale.ts allows:
   * never below the real work they bound. Default 1.
   */
  timeScale?: number;
  /** Template parameter values over the defaults (MaximumConcurrency, BatchSize, MaxReceiveCount, ...). */
  parameters?: Record<string, string | number>;
  /** Passed to the Genesys simulator (rates, faults, latency, clients, its own timeScale, ...). */
  genesys?: GenesysSimulatorOptions;
  /** The plain bus name that stands in for the partner bus (moto cannot serve `aws.partner/...`). */
  busName?: string;
  /** `bundle` (default): the esbuild bundles of tools/build.ts, as SAM deploys; `source`: the TypeScript through tsx. */
  handlers?: 'bundle' | 'source';
  /** Where bundles are written (default .local/build). */
  buildDir?: string;
  /** Function output: a per-run file under `logDir` (default), or this process's stdout. */
  logs?: 'file' | 'inherit';
  /** Directory of the per-run log files (default .local/logs). */
  logDir?: string;
  /** Use a running moto (e.g. the test suite's) instead of starting one. */
  motoEndpoint?: string;
  /**
   * A fault proxy (local/stack/fault-proxy.ts) between the functions and every AWS service they call: their
   * AWS_ENDPOINT_URL, their Step Functions endpoint (routed on to the stack's own) and their queue URLs
   * name it. Provisioning and the stack's own clients still talk to moto directly.
   */
  functionsProxy?: Pick<FaultProxy, 'endpoint' | 'route'>;
  /** Prefix of physical names; distinct per run when sharing a moto. */
  stackName?: string;
  /**
   * Rewrites a state machine's definition (as SAM would deploy it, before time scaling): the benchmarks
   * run a baseline variant of the ASL this way. The deployed ASL file is never touched.
   */
  transformDefinition?: (logicalId: string, definition: StateMachineDefinition) => StateMachineDefinition;
  /** Per function (logical id): most execution environments at once (default: no cap beyond the event source's). */
  maxConcurrency?: Record<string, number>;
  /** Per function (logical id): extra environment variables over the template's. */
  functionEnvironment?: Record<string, Record<string, string>>;
  /** Long-poll wait of the event source's receives (default 20, as Lambda's pollers). */
  pollWaitTimeSeconds?: number;
  /** Stop the stack on SIGINT/SIGTERM, then re-raise the signal (default true). */
  handleSignals?: boolean;
  /** The template (default template.yaml). */
  template?: Template;
}

/** Counters of every part, for the run summary. */
export interface LocalStackStats {
  lambda: Record<string, FunctionStats>;
  stepFunctions: StepFunctionsStats;
  poller: SqsPollerStats;
}

/** Messages in a queue, by state. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** A running local stack. */
export interface LocalStack {
  endpoints: { moto: string; stepFunctions: string; genesys: string };
  clients: { sqs: SQSClient; eventBridge: EventBridgeClient };
  queues: { eventsQueueUrl: string; eventsQueueArn: string; deadLetterQueueUrl: string; ruleDeadLetterQueueUrl: string };
  busName: string;
  ruleName: string;
  tableName: string;
  secretArn: string;
  stateMachineArn: string;
  /** Every parameter value of this run. */
  parameters: Record<string, string>;
  /** Whether handlers run from the esbuild bundles or the TypeScript sources. */
  handlerKind: 'bundle' | 'source';
  /** The per-run log file of the functions' output, when `logs` is `file`. */
  logFile?: string;
  simulator: GenesysSimulator;
  runtime: LambdaRuntime;
  provisioned: ProvisionedResources;
  stats(): LocalStackStats;
  /** Every StartSyncExecution the Step Functions endpoint ran, with its message id and whether its answer arrived. */
  syncExecutions(): readonly SyncExecutionRecord[];
  /** Depth of a queue (default the EventsQueue). */
  queueDepth(queueUrl?: string): Promise<QueueDepth>;
  /**
   * Resolves once the EventsQueue is empty (in flight and delayed included) and no invocation or
   * execution runs; rejects with DrainTimeoutError after `timeoutMs`.
   */
  waitForDrain(options?: { timeoutMs?: number; pollMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Raised when the stack does not drain in time. */
export class DrainTimeoutError extends Error {
  override readonly name = 'DrainTimeoutError';
}

function eventSourceOf(template: Template, functionId: string): Record<string, unknown> {
  const events = (getProperties(template, functionId).Events ?? {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const sqs = Object.values(events).find((event) => event.Type === 'SQS');
  if (sqs === undefined) throw new Error(`${functionId} has no SQS event in template.yaml`);
  return sqs.Properties;
}

/** Starts the local stack; on any failure stops what already started and rethrows. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const template = options.template ?? loadTemplate();
  const timeScale = options.timeScale ?? 1;
  const stoppers: { name: string; stop: () => Promise<unknown> | unknown }[] = [];
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const { name, stop: stopPart } of stoppers.reverse()) {
        try {
          await stopPart();
        } catch (error) {
          console.error(`local stack: stopping ${name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    void stop().finally(() => {
      process.kill(process.pid, signal);
    });
  };
  if (options.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    stoppers.push({
      name: 'signal handlers',
      stop: () => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      },
    });
  }

  try {
    // Bundling runs while moto starts.
    const handlerKind = options.handlers ?? 'bundle';
    const handlersPromise: Promise<Record<string, HandlerModule>> =
      handlerKind === 'bundle' ? bundledHandlers(template, options.buildDir) : Promise.resolve(sourceHandlers(template));
    handlersPromise.catch(() => undefined);

    let motoEndpoint = options.motoEndpoint;
    if (motoEndpoint === undefined) {
      const moto: MotoServer = await startMoto();
      stoppers.push({ name: 'moto', stop: () => moto.stop() });
      motoEndpoint = moto.endpoint;
    }

    const simulator = await startGenesysSimulator(options.genesys);
    stoppers.push({ name: 'Genesys simulator', stop: () => simulator.stop() });
    const client = simulator.clients[0];
    if (client === undefined) throw new Error('the Genesys simulator has no client');

    const parameters = { GenesysEventSourceName: LOCAL_EVENT_SOURCE_NAME, ...options.parameters };
    // A shared moto gets distinct names per run, so two stacks (or test files) never meet.
    const stackName = options.stackName ?? (options.motoEndpoint === undefined ? 'local' : `local-${randomBytes(3).toString('hex')}`);
    const provisioned = await provisionFromTemplate({
      endpoint: motoEndpoint,
      template,
      parameters,
      busName: options.busName ?? `genesys-${stackName}`,
      secretValue: { clientId: client.clientId, clientSecret: client.clientSecret },
      stackName,
      timeScale,
    });
    const { resolver } = provisioned;

    // The endpoint and the runtime need each other: the runtime's environment names the endpoint.
    const late: { runtime?: LambdaRuntime } = {};
    const stateMachines = stateMachinesFromTemplate(template, {
      parameters: resolver.parameters,
      ref: (id) => resolver.resolveString({ Ref: id }),
      getAtt: (id, attribute) => resolver.resolveString({ 'Fn::GetAtt': [id, attribute] }),
    }).map((machine) => (options.transformDefinition === undefined ? machine : { ...machine, definition: options.transformDefinition(machine.name, machine.definition) }));
    const stepFunctions: StepFunctionsServer = await startStepFunctionsServer({
      stateMachines,
      timeScale,
      invoke: (name, payload) => {
        if (late.runtime === undefined) throw new Error('the Lambda runtime is not started');
        return late.runtime.invoke(name, payload);
      },
    });
    stoppers.push({ name: 'Step Functions endpoint', stop: () => stepFunctions.stop() });

    let log: WriteStream | undefined;
    let logFile: string | undefined;
    if ((options.logs ?? 'file') === 'file') {
      const logDir = options.logDir ?? resolve(PROJECT_ROOT, '.local/logs');
      mkdirSync(logDir, { recursive: true });
      logFile = resolve(logDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
      const stream = createWriteStream(logFile, { flags: 'a' });
      log = stream;
      stoppers.push({ name: 'log file', stop: () => new Promise<void>((done) => stream.end(() => done())) });
    }

    // The template asks for source maps in NODE_OPTIONS; workers share this process's setting.
    const wantsSourceMaps = resourcesOfType(template, 'AWS::Serverless::Function').some((id) =>
      String(functionEnvironment(template, id).NODE_OPTIONS ?? '').includes('--enable-source-maps'),
    );
    if (wantsSourceMaps) process.setSourceMapsEnabled(true);

    const handlers = await handlersPromise;
    const proxy = options.functionsProxy;
    proxy?.route({ targetPrefix: 'AWSStepFunctions.', upstream: stepFunctions.endpoint });
    const lambda = new LambdaRuntime(
      functionPoolsFromTemplate({
        template,
        resolver,
        handlers,
        timeScale,
        log,
        maxConcurrency: options.maxConcurrency,
        functionEnvironment: options.functionEnvironment,
        // The SQS client sends to the host of a QueueUrl, not to AWS_ENDPOINT_URL: the queue URLs name the proxy too.
        ...(proxy === undefined ? {} : { rewriteUrlOrigin: { from: new URL(motoEndpoint).origin, to: new URL(proxy.endpoint).origin } }),
        environment: {
          ...LOCAL_AWS_ENV,
          AWS_ENDPOINT_URL: proxy?.endpoint ?? motoEndpoint,
          AWS_ENDPOINT_URL_SFN: proxy?.endpoint ?? stepFunctions.endpoint,
          GENESYS_LOGIN_BASE_URL: simulator.loginBaseUrl,
          GENESYS_API_BASE_URL: simulator.apiBaseUrl,
        },
      }),
    );
    late.runtime = lambda;
    stoppers.push({ name: 'Lambda runtime', stop: () => lambda.stop() });

    const clientConfig = {
      endpoint: motoEndpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    };
    const sqs = new SQSClient(clientConfig);
    const eventBridge = new EventBridgeClient(clientConfig);
    stoppers.push({
      name: 'clients',
      stop: () => {
        sqs.destroy();
        eventBridge.destroy();
      },
    });

    // The dispatcher is the function whose SQS event reads the EventsQueue.
    const dispatcherId = 'DispatcherFunction';
    const source = resolver.resolve(eventSourceOf(template, dispatcherId)) as Record<string, unknown>;
    const poller: SqsPoller = startSqsPoller({
      sqs,
      queueUrl: provisioned.eventsQueueUrl,
      queueArn: provisioned.eventsQueueArn,
      invoke: (event) => lambda.invoke(dispatcherId, event),
      batchSize: Number(source.BatchSize ?? 10),
      maximumBatchingWindowInSeconds: Number(source.MaximumBatchingWindowInSeconds ?? 0),
      maximumConcurrency: Number((source.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency ?? 1000),
      reportBatchItemFailures: ((source.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      waitTimeSeconds: options.pollWaitTimeSeconds,
      timeScale,
    });
    // Stopping the poller while the runtime stops: a batch in progress ends with an error and stays queued.
    stoppers.push({ name: 'SQS poller', stop: () => Promise.all([poller.stop(), lambda.stop()]) });

    const queueDepth = async (queueUrl = provisioned.eventsQueueUrl): Promise<QueueDepth> => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    };

    const stateMachineArn = resolver.resolveString({ Ref: 'ProcessEventStateMachine' });
    return {
      endpoints: { moto: motoEndpoint, stepFunctions: stepFunctions.endpoint, genesys: simulator.url },
      clients: { sqs, eventBridge },
      queues: {
        eventsQueueUrl: provisioned.eventsQueueUrl,
        eventsQueueArn: provisioned.eventsQueueArn,
        deadLetterQueueUrl: provisioned.deadLetterQueueUrl,
        ruleDeadLetterQueueUrl: provisioned.ruleDeadLetterQueueUrl,
      },
      busName: provisioned.busName,
      ruleName: provisioned.ruleName,
      tableName: provisioned.tableName,
      secretArn: provisioned.secretArn,
      stateMachineArn,
      parameters: { ...resolver.parameters },
      handlerKind,
      logFile,
      simulator,
      runtime: lambda,
      provisioned,
      stats: () => ({ lambda: lambda.stats(), stepFunctions: stepFunctions.stats(), poller: poller.stats() }),
      syncExecutions: () => stepFunctions.syncExecutions(),
      queueDepth,
      async waitForDrain({ timeoutMs = 60_000, pollMs = 100 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let quietChecks = 0;
        let depth: QueueDepth = { visible: 0, inFlight: 0, delayed: 0 };
        while (Date.now() < deadline) {
          const idle = !poller.busy && !lambda.busy && !stepFunctions.busy;
          depth = await queueDepth();
          const empty = depth.visible + depth.inFlight + depth.delayed === 0;
          // Twice in a row: moto's counts and a poller between receive and invoke can both blink.
          quietChecks = idle && empty && !poller.busy ? quietChecks + 1 : 0;
          if (quietChecks >= 2) return;
          await new Promise((done) => setTimeout(done, pollMs));
        }
        throw new DrainTimeoutError(
          `the stack did not drain within ${timeoutMs} ms: EventsQueue ${JSON.stringify(depth)}, ` +
            `invocations running ${Object.values(lambda.stats()).reduce((sum, fn) => sum + fn.running, 0)}, executions in flight ${stepFunctions.stats().inFlight}`,
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
