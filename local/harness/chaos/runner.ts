/**
 * Runs one fault scenario through the local stack and checks the invariants of issue 4 afterwards:
 * every event that reached the queue is applied exactly as the events imply or parked with its reason,
 * invalid input is parked at its first receive, and Genesys requests, token requests and 429s stay
 * within the bounds the design implies (docs/reliability.md derives them).
 *
 * Time: `timeScale` divides the template's Lambda and workflow durations (as `npm start --time-scale`);
 * `sqsScale` divides the queue's VisibilityTimeout (set here over the stack's own scaled value) and the
 * dispatcher's redelivery backoff (RETRY_*_DELAY_SECONDS), which the local stack does not scale. Both are
 * set for the run only, from the template's own values: nothing deployed changes.
 */
import { randomUUID } from 'node:crypto';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parseConversationEvent } from '../../../functions/shared/events.js';
import { functionEnvironment, getProperties, loadTemplate, type Template } from '../../../template/index.js';
import { startFaultProxy, type FaultProxy } from '../../stack/fault-proxy.js';
import type { GenesysSimulatorOptions, SimulatorConversation } from '../../genesys-sim/server.js';
import { generateConversationEvents, type GenerateOptions, type LoadConversation } from '../load/generate.js';
import { peekQueue, runLoad, type ParkedMessage, type RunEvent, type RunSummary } from '../run.js';
import { startLocalStack, type LocalStack } from '../../stack/index.js';
import { checkDirect, checkInvariants } from './invariants.js';

/** How much faster than deployed a scenario runs. */
export interface ChaosScale {
  /** Divides Lambda timeouts, the workflow's timeouts and retry intervals, the Genesys request timeout and the simulator's minute. */
  timeScale: number;
  /** Divides the queue's VisibilityTimeout and the dispatcher's redelivery delays. */
  sqsScale: number;
}

/** The default scale of `npm run chaos`: a minute of workflow time in 15 s, a minute of SQS backoff in 3 s. */
export const DEFAULT_SCALE: ChaosScale = { timeScale: 4, sqsScale: 20 };

/** A message sent straight to the EventsQueue (input EventBridge would never forward), and what must become of it. */
export interface DirectMessage {
  label: string;
  body: string;
  expect: 'InvalidEvent' | 'applied' | 'notActedOn';
}

/** What a scenario's fault schedule can reach. */
export interface ScenarioRun {
  stack: LocalStack;
  proxy: FaultProxy;
  scale: ChaosScale;
  /** Milliseconds of deployed time, at this run's SQS scale (for stretches measured against the redelivery window). */
  sqsMs(deployedSeconds: number): number;
  /** Resolves once the run's load has been published and the schedule may stop. */
  published: Promise<void>;
  /** Counts of what the schedule did, for the invariants (e.g. environments killed). */
  counts: Record<string, number>;
  /** The load the run sends. */
  load: { events: readonly RunEvent[]; conversations: readonly LoadConversation[] };
}

/** A bound the design implies, with the reason shown when it is broken. */
export interface Bounds {
  /** Most Genesys API requests per applied acted-on event. */
  requestsPerApplied: number;
  /** Most 429 answers in the run. */
  throttled: number | ((summary: RunSummary) => number);
}

/** One scenario. */
export interface Scenario {
  name: string;
  /** One sentence: what passing proves. */
  proves: string;
  load: GenerateOptions & { events: number; conversations: number };
  /** PutEvents entries per second (default 0: as fast as possible). */
  ratePerSecond?: number;
  genesys?: GenesysSimulatorOptions;
  /** VisibilityTimeout of the EventsQueue for this run, in real seconds (default the template's / sqsScale). */
  visibilitySeconds?: number;
  direct?: DirectMessage[];
  /** A second rule on the bus with the same target: EventBridge delivers every event as two messages. */
  deliverTwice?: boolean;
  /** The fault schedule, run alongside the load. */
  faults?(run: ScenarioRun): Promise<void>;
  bounds: Bounds;
  /** Dispatcher batches allowed to fail whole (only where the scenario kills dispatcher environments). */
  allowedFailedBatches?(counts: Record<string, number>): number;
  /**
   * Error names the schedule makes deterministic (a handler bug): valid events parked with one of them are
   * parked by design, and like InvalidEvent each must be parked at its first receive.
   */
  deterministicErrors?: readonly string[];
  /** Checks of this scenario's own, after the drain: that its fault did what it says (violations, empty when it did). */
  verify?(run: ScenarioRun, summary: RunSummary): string[] | Promise<string[]>;
}

/** One row of the table and its verdict. */
export interface ScenarioResult {
  name: string;
  in: number;
  applied: number;
  parked: number;
  parkedByReason: Record<string, number>;
  lost: number;
  duplicatesApplied: number;
  genesysRequests: number;
  requestsPerApplied: number;
  throttled: number;
  tokenRequests: number;
  drainMs: number;
  violations: string[];
  summary: RunSummary;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

/** The EventsQueue's VisibilityTimeout at this scale, in whole seconds. */
export function scaledVisibility(template: Template, scale: ChaosScale): number {
  return Math.max(1, Math.round(Number(getProperties(template, 'EventsQueue').VisibilityTimeout) / scale.sqsScale));
}

/** Runs one scenario on a fresh stack (sharing `motoEndpoint`) and checks every invariant. */
export async function runScenario(
  scenario: Scenario,
  options: { motoEndpoint: string; scale?: ChaosScale; logDir?: string; buildDir?: string; drainTimeoutMs?: number },
): Promise<ScenarioResult> {
  const scale = options.scale ?? DEFAULT_SCALE;
  const template = loadTemplate();
  const proxy = await startFaultProxy({ target: options.motoEndpoint });
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      template,
      motoEndpoint: options.motoEndpoint,
      functionsProxy: proxy,
      timeScale: scale.timeScale,
      genesys: { timeScale: scale.timeScale, seed: scenario.load.seed ?? 1, ...scenario.genesys },
      functionEnvironment: scaledEnvironment(template, scale),
      pollWaitTimeSeconds: 1,
      handleSignals: false,
      ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
      ...(options.buildDir === undefined ? {} : { buildDir: options.buildDir }),
    });
    const live = stack;
    await live.clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: live.queues.eventsQueueUrl,
        Attributes: { VisibilityTimeout: String(scenario.visibilitySeconds ?? scaledVisibility(template, scale)) },
      }),
    );
    // Provisioned environments: a cold start is real CPU time that a scaled task timeout would not allow for.
    const inFlight = Number(live.parameters.MaximumConcurrency) * Number(live.parameters.BatchSize);
    await Promise.all([live.runtime.prewarm('ProcessorFunction', inFlight), live.runtime.prewarm('DispatcherFunction', Number(live.parameters.MaximumConcurrency))]);
    if (scenario.deliverTwice === true) {
      const { RuleArn } = await live.clients.eventBridge.send(
        new PutRuleCommand({
          Name: `${live.ruleName}-again`,
          EventBusName: live.busName,
          EventPattern: JSON.stringify({ source: [{ prefix: 'aws.partner/genesys.com' }], 'detail-type': [{ prefix: 'v2.detail.events.conversation.' }] }),
        }),
      );
      if (RuleArn === undefined) throw new Error('moto did not create the second rule');
      await live.clients.eventBridge.send(
        new PutTargetsCommand({ Rule: `${live.ruleName}-again`, EventBusName: live.busName, Targets: [{ Id: 'again', Arn: live.queues.eventsQueueArn }] }),
      );
    }

    const load = generateConversationEvents({ source: 'aws.partner/genesys.com/cloud/chaos/local', ...scenario.load });
    const direct = scenario.direct ?? [];
    for (const message of direct) addDirectConversation(live, message);

    let markPublished: () => void = () => undefined;
    const published = new Promise<void>((resolve) => {
      markPublished = resolve;
    });
    const counts: Record<string, number> = {};
    const run: ScenarioRun = { stack: live, proxy, scale, counts, published, load, sqsMs: (seconds) => (seconds * 1000) / scale.sqsScale };
    const faults = (scenario.faults?.(run) ?? Promise.resolve()).catch((error: unknown) => {
      throw new Error(`fault schedule of ${scenario.name} failed: ${(error as Error).message}`, { cause: error });
    });
    for (const message of direct) {
      await live.clients.sqs.send(new SendMessageCommand({ QueueUrl: live.queues.eventsQueueUrl, MessageBody: message.body }));
    }
    const before = { ledger: live.simulator.ledger.requests.length, stats: live.stats() };
    const summary = await runLoad(live, {
      events: load.events,
      conversations: load.conversations,
      ratePerSecond: scenario.ratePerSecond ?? 0,
      drainTimeoutMs: options.drainTimeoutMs ?? 240_000,
      parkedByDesign: (message: ParkedMessage) => scenario.deterministicErrors?.includes(message.errorName) ?? false,
      onProgress: (progress) => {
        if (progress.phase === 'draining') markPublished();
      },
    });
    markPublished();
    await faults;
    // A schedule may end after the drain (e.g. a stretch that outlasted the load): whatever came back since is drained too.
    await live.waitForDrain({ timeoutMs: options.drainTimeoutMs ?? 240_000 });

    const violations = await checkInvariants(scenario, live, summary, { ...before, counts, direct, proxy });
    await checkDirect(live, direct, violations);
    violations.push(...(await (scenario.verify?.(run, summary) ?? [])));

    const writes = live.simulator.ledger.writes;
    const distinct = new Set(writes.map((write) => JSON.stringify([write.conversationId, write.participantId, write.attributes])));
    const appliedActedOn = summary.applied;
    const directIn = direct.length;
    return {
      name: scenario.name,
      in: summary.in + directIn,
      applied: summary.applied + summary.notActedOn + direct.filter((m) => m.expect !== 'InvalidEvent').length,
      parked: summary.in - summary.applied - summary.notActedOn - summary.lost + direct.filter((m) => m.expect === 'InvalidEvent').length,
      parkedByReason: await parkedReasons(live),
      lost: summary.lost,
      duplicatesApplied: writes.length - distinct.size,
      genesysRequests: summary.genesysRequests,
      requestsPerApplied: appliedActedOn === 0 ? 0 : summary.genesysRequests / appliedActedOn,
      throttled: summary.throttled,
      tokenRequests: summary.tokenRequests,
      drainMs: summary.durationMs,
      violations,
      summary,
    };
  } finally {
    await stack?.stop();
    await proxy.stop();
  }
}

async function parkedReasons(stack: LocalStack): Promise<Record<string, number>> {
  const reasons: Record<string, number> = {};
  for (const message of await peekQueue(stack.clients.sqs, stack.queues.deadLetterQueueUrl)) {
    const name = message.MessageAttributes?.errorName?.StringValue ?? 'MaxReceiveCountExceeded';
    reasons[name] = (reasons[name] ?? 0) + 1;
  }
  return reasons;
}

function addDirectConversation(stack: LocalStack, message: DirectMessage): void {
  if (message.expect === 'InvalidEvent') return;
  const event = parseConversationEvent(message.body);
  if (event.body.participantId === undefined) return;
  const conversation: SimulatorConversation = { id: event.body.conversationId, participants: [{ id: event.body.participantId, purpose: 'customer' }] };
  stack.simulator.addConversation(conversation);
}

/** Waits `ms`, then runs `action`; for fault schedules. */
export async function after(ms: number, action: () => unknown): Promise<void> {
  await sleep(ms);
  await action();
}

/** A unique id for a scenario's direct messages. */
export const uuid = (): string => randomUUID();
