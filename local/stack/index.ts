/**
 * The whole pipeline on one machine, from template.yaml and the ASL that SAM deploys: the Genesys Cloud
 * simulator, moto (SQS, EventBridge, DynamoDB, Secrets Manager) provisioned from the template, the Step
 * Functions endpoint, a pool of Lambda execution environments per function and the SQS event source
 * poller. `startLocalStack` only composes them: each part starts in its own module, in that order, and
 * `stop()` stops them in reverse (./lifecycle.ts), also on SIGINT/SIGTERM and when starting fails half-way.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { startGenesysSimulator, type GenesysSimulator } from '../genesys-sim/server.js';
import { startLocalAws, type LocalAws } from './aws.js';
import { DrainTimeoutError, queueDepth, waitForDrain, type QueueDepth } from './drain.js';
import { openFunctionLog } from './function-log.js';
import { startEventSource } from './lambda/event-source.js';
import type { FunctionStats, LambdaRuntime } from './lambda/runtime.js';
import type { SqsPoller, SqsPollerStats } from './lambda/sqs-poller.js';
import { startStackFunctions } from './lambda/stack-functions.js';
import { handlerModules } from './lambda/template-functions.js';
import { Lifecycle } from './lifecycle.js';
import { stackSettings, type LocalStackOptions } from './options.js';
import type { ProvisionedResources } from './provision.js';
import { provisionedStateMachines, workflowOf } from './stepfunctions/definition.js';
import { bindStepFunctionsEndpoint, type StepFunctionsServer, type StepFunctionsStats, type SyncExecutionRecord } from './stepfunctions/server.js';

export { LOCAL_EVENT_SOURCE_NAME, type LocalStackOptions } from './options.js';
export { DrainTimeoutError, type QueueDepth };

/** Counters of every part, for the run summary. */
export interface LocalStackStats {
  lambda: Record<string, FunctionStats>;
  stepFunctions: StepFunctionsStats;
  poller: SqsPollerStats;
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

/** The running parts a {@link LocalStack} answers from. */
interface Parts {
  simulator: GenesysSimulator;
  aws: LocalAws;
  stepFunctions: StepFunctionsServer;
  lambda: LambdaRuntime;
  poller: SqsPoller;
  stateMachineArn: string;
  handlerKind: LocalStack['handlerKind'];
  logFile?: string;
}

/** Starts the local stack; on any failure stops what already started and rethrows. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings = stackSettings(options);
  const { template, timeScale } = settings;
  const lifecycle = new Lifecycle();
  if (settings.handleSignals) lifecycle.stopOnSignals();
  return lifecycle.starting(async () => {
    // Bundling runs while the rest starts; a failure surfaces where it is awaited.
    const handlers = handlerModules(template, settings.handlers, settings.buildDir);
    handlers.catch(() => undefined);
    const simulator = lifecycle.add('Genesys simulator', await startGenesysSimulator(settings.genesys));
    const client = simulator.clients[0];
    if (client === undefined) throw new Error('the Genesys simulator has no client');
    const aws = await startLocalAws(settings, lifecycle, { clientId: client.clientId, clientSecret: client.clientSecret });
    const { resolver } = aws.provisioned;
    // Bound before the runtime, whose environment names it; it serves once the runtime that runs its tasks exists.
    const endpoint = lifecycle.add('Step Functions endpoint', await bindStepFunctionsEndpoint());
    const log = lifecycle.add('log file', openFunctionLog(settings.logs, settings.logDir));
    const endpoints = { moto: aws.endpoint, stepFunctions: endpoint.endpoint, genesysLoginBaseUrl: simulator.loginBaseUrl, genesysApiBaseUrl: simulator.apiBaseUrl };
    const lambda = lifecycle.add('Lambda runtime', startStackFunctions(settings, { resolver, handlers: await handlers, endpoints, log: log.stream }));
    const stateMachines = provisionedStateMachines(resolver, settings.transformDefinition, settings.definitionSource);
    const stepFunctions = endpoint.serve({ stateMachines, timeScale, lambda });
    const { eventsQueueUrl: queueUrl, eventsQueueArn: queueArn } = aws.provisioned;
    const poller = startEventSource({ resolver, sqs: aws.clients.sqs, queueUrl, queueArn, lambda, waitTimeSeconds: settings.pollWaitTimeSeconds, timeScale });
    // Stopping the poller while the runtime stops: a batch in progress ends with an error and stays queued.
    lifecycle.onStop('SQS poller', () => Promise.all([poller.stop(), lambda.stop()]));
    const parts: Parts = { simulator, aws, stepFunctions, lambda, poller, stateMachineArn: workflowOf(stateMachines).arn, handlerKind: settings.handlers, logFile: log.file };
    return localStack(parts, () => lifecycle.stop());
  });
}

/** The stack's face: its names, clients and parts, and what it answers about them. */
function localStack(parts: Parts, stop: () => Promise<void>): LocalStack {
  const { simulator, aws, stepFunctions, lambda, poller } = parts;
  const { provisioned, clients } = aws;
  const depth = (queueUrl = provisioned.eventsQueueUrl): Promise<QueueDepth> => queueDepth(clients.sqs, queueUrl);
  return {
    endpoints: { moto: aws.endpoint, stepFunctions: stepFunctions.endpoint, genesys: simulator.url },
    clients,
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
    stateMachineArn: parts.stateMachineArn,
    parameters: { ...provisioned.resolver.parameters },
    handlerKind: parts.handlerKind,
    logFile: parts.logFile,
    simulator,
    runtime: lambda,
    provisioned,
    stats: () => ({ lambda: lambda.stats(), stepFunctions: stepFunctions.stats(), poller: poller.stats() }),
    syncExecutions: () => stepFunctions.syncExecutions(),
    queueDepth: depth,
    waitForDrain: (options) => waitForDrain({ depth: () => depth(), poller, lambda, stepFunctions }, options),
    stop,
  };
}
