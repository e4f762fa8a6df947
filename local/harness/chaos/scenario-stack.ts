/**
 * The local stack one fault scenario runs on: started at the scenario's scale behind its fault proxy,
 * with the queue's visibility, the warm environments and the second rule the scenario asks for.
 */
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { functionEnvironment, getProperties, type Template } from '../../../template/index.js';
import { dataTablesOf, defaultActions, eventPatternOf, RULE_LOGICAL_ID, type ActionsConfig } from '../../../tools/actions/index.js';
import type { FaultProxy } from '../../stack/fault-proxy.js';
import { startLocalStack, type LocalStack } from '../../stack/index.js';
import type { ChaosScale, Scenario } from './runner.js';

/** Where and how the scenario's stack starts. */
export interface ScenarioStackOptions {
  template: Template;
  motoEndpoint: string;
  proxy: FaultProxy;
  scale: ChaosScale;
  logDir?: string;
  buildDir?: string;
  /** Another actions file than actions.yaml, compiled into this stack's rule and workflow. */
  actions?: ActionsConfig;
}

/** The scaled function environment: the template's own values, divided. */
export function scaledEnvironment(template: Template, scale: ChaosScale): Record<string, Record<string, string>> {
  const dispatcher = functionEnvironment(template, 'DispatcherFunction');
  const processor = functionEnvironment(template, 'ProcessorFunction');
  const divide = (value: unknown, by: number): string => String(Math.max(1, Math.round(Number(value) / by)));
  return {
    DispatcherFunction: {
      RETRY_BASE_DELAY_SECONDS: String(Number(dispatcher.RETRY_BASE_DELAY_SECONDS) / scale.sqsScale),
      RETRY_MAX_DELAY_SECONDS: divide(dispatcher.RETRY_MAX_DELAY_SECONDS, scale.sqsScale),
    },
    ProcessorFunction: {
      GENESYS_REQUEST_TIMEOUT_MS: divide(processor.GENESYS_REQUEST_TIMEOUT_MS, scale.timeScale),
    },
  };
}

function withProcessorEnvironment(environment: Record<string, Record<string, string>>, extra: Record<string, string> | undefined): Record<string, Record<string, string>> {
  return extra === undefined ? environment : { ...environment, ProcessorFunction: { ...environment.ProcessorFunction, ...extra } };
}

/** The EventsQueue's VisibilityTimeout at this scale, in whole seconds. */
export function scaledVisibility(template: Template, scale: ChaosScale): number {
  return Math.max(1, Math.round(Number(getProperties(template, 'EventsQueue').VisibilityTimeout) / scale.sqsScale));
}

/** Starts the stack of `scenario`, ready for its load; the caller stops it. */
export async function startScenarioStack(scenario: Scenario, options: ScenarioStackOptions): Promise<LocalStack> {
  const { template, scale } = options;
  const stack = await startLocalStack({
    template,
    ...(options.actions === undefined ? {} : { actions: options.actions }),
    motoEndpoint: options.motoEndpoint,
    functionsProxy: options.proxy,
    timeScale: scale.timeScale,
    genesys: { timeScale: scale.timeScale, seed: scenario.load.seed ?? 1, dataTables: dataTablesOf(options.actions ?? defaultActions()), ...scenario.genesys },
    functionEnvironment: withProcessorEnvironment(scaledEnvironment(template, scale), scenario.processorEnvironment?.(scale)),
    ...(scenario.parameters === undefined ? {} : { parameters: scenario.parameters }),
    pollWaitTimeSeconds: 1,
    handleSignals: false,
    ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
    ...(options.buildDir === undefined ? {} : { buildDir: options.buildDir }),
  });
  try {
    await stack.clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: stack.queues.eventsQueueUrl,
        Attributes: { VisibilityTimeout: String(scenario.visibilitySeconds ?? scaledVisibility(template, scale)) },
      }),
    );
    await prewarm(stack);
    if (scenario.deliverTwice === true) await addSecondRule(stack, options.actions === undefined ? getProperties(template, RULE_LOGICAL_ID).EventPattern : eventPatternOf(options.actions));
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Provisioned environments: a cold start is real CPU time that a scaled task timeout would not allow for. */
async function prewarm(stack: LocalStack): Promise<void> {
  const inFlight = Number(stack.parameters.MaximumConcurrency) * Number(stack.parameters.BatchSize);
  await Promise.all([
    stack.runtime.prewarm('ProcessorFunction', inFlight),
    stack.runtime.prewarm('DispatcherFunction', Number(stack.parameters.MaximumConcurrency)),
  ]);
}

/** A second rule on the bus with the template rule's pattern and target: EventBridge delivers every event twice. */
async function addSecondRule(stack: LocalStack, EventPattern: unknown): Promise<void> {
  const name = `${stack.ruleName}-again`;
  const { RuleArn } = await stack.clients.eventBridge.send(
    new PutRuleCommand({ Name: name, EventBusName: stack.busName, EventPattern: JSON.stringify(EventPattern) }),
  );
  if (RuleArn === undefined) throw new Error('moto did not create the second rule');
  await stack.clients.eventBridge.send(
    new PutTargetsCommand({ Rule: name, EventBusName: stack.busName, Targets: [{ Id: 'again', Arn: stack.queues.eventsQueueArn }] }),
  );
}
