/**
 * The I/O half of a run: publishes the load to the stack's bus, samples the queues, waits for the
 * drain, and collects what the stack, its dead-letter queues, its log and the Genesys simulator saw,
 * as an {@link Observation} for the account (./accounting.ts).
 */
import { readFileSync } from 'node:fs';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { isRecord } from '../../../functions/shared/events.js';
import { MetricName } from '../../../functions/shared/metrics-sink.js';
import { peekParked } from '../dead-letters.js';
import { publishEvents, type PublishResult } from '../load/publish.js';
import type { LocalStack, LocalStackStats } from '../../stack/index.js';
import { metricTotal } from './emf.js';
import type { Observation, QueueSample, RunExpectations } from './observation.js';

/** Where a run stands, for a progress bar. */
export interface RunProgress {
  phase: 'publishing' | 'draining';
  published: number;
  total: number;
  applied: number;
  queued: number;
}

/** What to send, how, and how long to wait for it. */
export interface RunOptions extends RunExpectations {
  /** Entries per second; 0 = as fast as PutEvents answers. */
  ratePerSecond?: number;
  /** Give up waiting for the queue to drain after this long (the summary then counts what is left as lost). */
  drainTimeoutMs?: number;
  onProgress?: (progress: RunProgress) => void;
  /** Sample the queues this often (ms) for the report's queue chart; unset, the run samples nothing. */
  sampleEveryMs?: number;
}

/** The counters a run measures from, taken as it starts. */
interface RunStart {
  at: number;
  requests: number;
  writes: number;
  stats: LocalStackStats;
}

const PROGRESS_EVERY_MS = 500;
/** EventBridge → SQS delivery is asynchronous: the first messages need a moment to land before the queue can look drained. */
const FIRST_DELIVERY_MS = 200;
const DEFAULT_DRAIN_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Samples the queues and the workflows in flight into `samples` until `stop` is called. */
function sampleQueues(stack: LocalStack, everyMs: number): { samples: QueueSample[]; stop: () => Promise<void> } {
  const samples: QueueSample[] = [];
  const sample = (): Promise<void> =>
    Promise.all([stack.queueDepth(), stack.queueDepth(stack.queues.deadLetterQueueUrl)]).then(
      ([depth, dlq]) =>
        void samples.push({ time: Date.now(), visible: depth.visible, inFlight: depth.inFlight, delayed: depth.delayed, parked: dlq.visible + dlq.inFlight, workflows: stack.stats().stepFunctions.inFlight }),
      () => undefined,
    );
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = sample();
  }, everyMs);
  const stop = async (): Promise<void> => {
    clearInterval(timer);
    await pending;
    await sample();
  };
  return { samples, stop };
}

/** Publishes every event, noting when PutEvents accepted each; throws when EventBridge refused any. */
async function publish(stack: LocalStack, options: RunOptions, start: RunStart): Promise<{ result: PublishResult; publishedAt: number[] }> {
  const publishedAt: number[] = [];
  const result = await publishEvents(
    options.events.map((event) => event.entry),
    {
      eventBridge: stack.clients.eventBridge,
      busName: stack.busName,
      ratePerSecond: options.ratePerSecond ?? 0,
      onProgress: ({ sent, failed, total }) => {
        const now = Date.now();
        while (publishedAt.length < sent + failed) publishedAt.push(now);
        options.onProgress?.({ phase: 'publishing', published: sent, total, applied: stack.simulator.ledger.writes.length - start.writes, queued: 0 });
      },
    },
  );
  if (result.failed > 0) {
    throw new Error(`EventBridge refused ${result.failed} entries: ${result.failures[0]?.errorCode} ${result.failures[0]?.errorMessage ?? ''}`);
  }
  return { result, publishedAt };
}

/** Waits for the stack to drain, reporting progress; false when it did not in time. */
async function drain(stack: LocalStack, options: RunOptions, start: RunStart, published: number): Promise<boolean> {
  const progressTimer = setInterval(() => {
    void stack.queueDepth().then(
      (depth) =>
        options.onProgress?.({
          phase: 'draining',
          published,
          total: options.events.length,
          applied: stack.simulator.ledger.writes.length - start.writes,
          queued: depth.visible + depth.inFlight + depth.delayed,
        }),
      () => undefined,
    );
  }, PROGRESS_EVERY_MS);
  try {
    await sleep(FIRST_DELIVERY_MS);
    await stack.waitForDrain({ timeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS });
    return true;
  } catch (error) {
    if ((error as Error).name !== 'DrainTimeoutError') throw error;
    return false;
  } finally {
    clearInterval(progressTimer);
  }
}

/** The dispatcher's DuplicatesSuppressed metric since the run started, from the EMF lines of the functions' log. */
function duplicatesSuppressed(stack: LocalStack, since: number): number {
  if (stack.logFile === undefined) return 0;
  try {
    return metricTotal(readFileSync(stack.logFile, 'utf8'), MetricName.DuplicatesSuppressed, since);
  } catch {
    return 0;
  }
}

/** The pattern of the stack's rule as EventBridge holds it, which is what decides: not the template's, not the actions'. */
async function rulePatternOf(stack: LocalStack): Promise<Record<string, unknown>> {
  const rule = await stack.clients.eventBridge.send(new DescribeRuleCommand({ Name: stack.ruleName, EventBusName: stack.busName }));
  const pattern: unknown = rule.EventPattern === undefined ? undefined : JSON.parse(rule.EventPattern);
  if (!isRecord(pattern)) throw new Error(`rule ${stack.ruleName} has no event pattern`);
  return pattern;
}

/** The part of the observation read after the drain: the DLQs, the simulator, the counters, the log. */
async function collect(stack: LocalStack, start: RunStart): Promise<Pick<Observation, 'parked' | 'genesys' | 'duplicatesSuppressed' | 'processorInvocations' | 'workflowRetries' | 'redeliveries' | 'peakInFlightWorkflows'>> {
  const [events, rule] = await Promise.all([peekParked(stack, 'events'), peekParked(stack, 'rule')]);
  const { simulator } = stack;
  const stats = stack.stats();
  const invocations = (of: LocalStackStats): number => of.lambda.ProcessorFunction?.invocations ?? 0;
  const handedBack = (of: LocalStackStats): number => of.poller.reportedFailures + of.poller.failedBatches;
  return {
    parked: [...events, ...rule],
    genesys: { state: simulator.state(), tables: simulator.tables(), tags: simulator.tags(), requests: simulator.ledger.requests.slice(start.requests), writes: simulator.ledger.writes.slice(start.writes) },
    duplicatesSuppressed: duplicatesSuppressed(stack, start.at),
    processorInvocations: invocations(stats) - invocations(start.stats),
    workflowRetries: stats.stepFunctions.taskRetries - start.stats.stepFunctions.taskRetries,
    redeliveries: handedBack(stats) - handedBack(start.stats),
    peakInFlightWorkflows: stats.stepFunctions.peakInFlight,
  };
}

/** Runs the load through the stack and observes where it went; the account is ./accounting.ts's. */
export async function observeRun(stack: LocalStack, options: RunOptions): Promise<Observation> {
  for (const conversation of options.conversations) stack.simulator.addConversation(conversation);
  const { ledger } = stack.simulator;
  const start: RunStart = { requests: ledger.requests.length, writes: ledger.writes.length, stats: stack.stats(), at: Date.now() };
  const rulePattern = await rulePatternOf(stack);
  const sampler = options.sampleEveryMs === undefined ? undefined : sampleQueues(stack, options.sampleEveryMs);
  let published: Awaited<ReturnType<typeof publish>>;
  let drained: boolean;
  try {
    published = await publish(stack, options, start);
    drained = await drain(stack, options, start, published.result.sent);
  } finally {
    await sampler?.stop();
  }
  const endedAt = Date.now();
  return {
    startedAt: start.at,
    endedAt,
    sent: published.result.sent,
    publishedAt: published.publishedAt,
    eventIds: published.result.eventIds,
    drained,
    rulePattern,
    samples: sampler?.samples ?? [],
    sampleEveryMs: options.sampleEveryMs ?? 0,
    ...(await collect(stack, start)),
  };
}
