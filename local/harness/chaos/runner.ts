/**
 * Runs one fault scenario through the local stack and checks the invariants of issue 4 afterwards:
 * every event that reached the queue is applied exactly as the events imply or parked with its reason,
 * invalid input is parked at its first receive, and Genesys requests, token requests and 429s stay
 * within the bounds the design implies (docs/reliability.md derives them).
 *
 * Time: `timeScale` divides the template's Lambda and workflow durations (as `npm start --time-scale`);
 * `sqsScale` divides the queue's VisibilityTimeout (./scenario-stack.ts sets it over the stack's own scaled value) and the
 * dispatcher's redelivery backoff (RETRY_*_DELAY_SECONDS), which the local stack does not scale. Both are
 * set for the run only, from the template's own values: nothing deployed changes.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { parseConversationEvent } from '../../../functions/shared/events.js';
import { loadTemplate } from '../../../template/index.js';
import { defaultActions, type ActionsConfig } from '../../../tools/actions/index.js';
import { requestScale } from './request-scale.js';
import { startFaultProxy, type FaultProxy } from '../../stack/fault-proxy.js';
import type { GenesysSimulatorOptions, SimulatorConversation } from '../../genesys-sim/server.js';
import type { LocalStack } from '../../stack/index.js';
import type { LoadConversation } from '../load/entry.js';
import { generateConversationEvents, type GenerateOptions } from '../load/generate.js';
import { runLoad, type ParkedMessage as RunParkedMessage, type RunEvent, type RunSummary } from '../run.js';
import { countByErrorName, peekParked } from '../dead-letters.js';
import { checkDirect, checkInvariants } from './invariants.js';
import { startScenarioStack } from './scenario-stack.js';

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
  /** Template parameters of this run over the defaults (e.g. GenesysRateLimitScope). */
  parameters?: Record<string, string | number>;
  /** Processor environment variables of this run over the scaled template's, given the scale. */
  processorEnvironment?(scale: ChaosScale): Record<string, string>;
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

/** Runs one scenario on a fresh stack (sharing `motoEndpoint`) and checks every invariant. */
export async function runScenario(
  scenario: Scenario,
  options: { motoEndpoint: string; scale?: ChaosScale; logDir?: string; buildDir?: string; drainTimeoutMs?: number; actions?: ActionsConfig },
): Promise<ScenarioResult> {
  const scale = options.scale ?? DEFAULT_SCALE;
  const proxy = await startFaultProxy({ target: options.motoEndpoint });
  let stack: LocalStack | undefined;
  try {
    stack = await startScenarioStack(scenario, { ...options, template: loadTemplate(), proxy, scale });
    return await runOnStack(scenario, stack, proxy, { scale, drainTimeoutMs: options.drainTimeoutMs ?? 240_000, actions: options.actions ?? defaultActions() });
  } finally {
    await stack?.stop();
    await proxy.stop();
  }
}

/** The load and the fault schedule side by side, the drain, then every check of the scenario. */
async function runOnStack(scenario: Scenario, stack: LocalStack, proxy: FaultProxy, settings: { scale: ChaosScale; drainTimeoutMs: number; actions: ActionsConfig }): Promise<ScenarioResult> {
  const { scale, drainTimeoutMs, actions } = settings;
  const load = generateConversationEvents({ source: 'aws.partner/genesys.com/cloud/chaos/local', actions, ...scenario.load });
  const direct = scenario.direct ?? [];
  for (const message of direct) addDirectConversation(stack, message);
  const publishing = publishedSignal();
  const run: ScenarioRun = { stack, proxy, scale, counts: {}, published: publishing.published, load, sqsMs: (seconds) => (seconds * 1000) / scale.sqsScale };
  const faults = startFaults(scenario, run);
  for (const message of direct) {
    await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.eventsQueueUrl, MessageBody: message.body }));
  }
  const before = { ledger: stack.simulator.ledger.requests.length, stats: stack.stats() };
  const summary = await runLoad(stack, {
    events: load.events,
    conversations: load.conversations,
    actions,
    ratePerSecond: scenario.ratePerSecond ?? 0,
    drainTimeoutMs,
    parkedByDesign: (message: RunParkedMessage) => scenario.deterministicErrors?.includes(message.errorName) ?? false,
    onProgress: (progress) => {
      if (progress.phase === 'draining') publishing.markPublished();
    },
  });
  publishing.markPublished();
  await faults;
  // A schedule may end after the drain (e.g. a stretch that outlasted the load): whatever came back since is drained too.
  await stack.waitForDrain({ timeoutMs: drainTimeoutMs });

  const violations = await checkInvariants(scenario, stack, summary, { ...before, counts: run.counts, direct, proxy, requestScale: requestScale(load, actions) });
  violations.push(...(await checkDirect(stack, direct, actions)));
  violations.push(...(await (scenario.verify?.(run, summary) ?? [])));
  return resultOf(scenario.name, stack, summary, direct, violations);
}

/** A promise the fault schedule waits on, resolved once the load is published (or the run ends). */
function publishedSignal(): { published: Promise<void>; markPublished: () => void } {
  let markPublished: () => void = () => undefined;
  const published = new Promise<void>((resolve) => {
    markPublished = resolve;
  });
  return { published, markPublished };
}

/** The scenario's fault schedule, started; its failure names the scenario. */
function startFaults(scenario: Scenario, run: ScenarioRun): Promise<void> {
  return (scenario.faults?.(run) ?? Promise.resolve()).catch((error: unknown) => {
    throw new Error(`fault schedule of ${scenario.name} failed: ${(error as Error).message}`, { cause: error });
  });
}

/** The table row of a finished run: the load's summary with the direct messages and the stack's ledgers added in. */
async function resultOf(name: string, stack: LocalStack, summary: RunSummary, direct: readonly DirectMessage[], violations: string[]): Promise<ScenarioResult> {
  const writes = stack.simulator.ledger.writes;
  const distinct = new Set(writes.map((write) => JSON.stringify([write.conversationId, write.participantId, write.attributes])));
  const directInvalid = direct.filter((message) => message.expect === 'InvalidEvent').length;
  return {
    name,
    in: summary.in + direct.length,
    applied: summary.applied + summary.notActedOn + direct.length - directInvalid,
    parked: summary.in - summary.applied - summary.notActedOn - summary.lost + directInvalid,
    parkedByReason: countByErrorName(await peekParked(stack)),
    lost: summary.lost,
    duplicatesApplied: writes.length - distinct.size,
    genesysRequests: summary.genesysRequests,
    requestsPerApplied: summary.applied === 0 ? 0 : summary.genesysRequests / summary.applied,
    throttled: summary.throttled,
    tokenRequests: summary.tokenRequests,
    drainMs: summary.durationMs,
    violations,
    summary,
  };
}

/** The simulator learns a direct message's conversation and participant, so the write it implies has somewhere to land. */
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
