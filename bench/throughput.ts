/**
 * Local throughput on the local stack with no Genesys limit and where the CPU time goes, requests per
 * event with and without participantId, and the paced run at the real limit the cost model reads.
 */
import type { LoadConversation } from '../local/harness/load/entry.js';
import { generateConversationEvents } from '../local/harness/load/generate.js';
import { runLoad, type RunEvent, type RunSummary } from '../local/harness/run.js';
import { startLocalStack, type LocalStack } from '../local/stack/index.js';
import { DISPATCHER, PROCESSOR, logSize, timeInvocations, writeEvents, type InvocationTiming, type InvocationTotals } from './instruments.js';
import { childPids, procCpuMs, ratio } from './stats.js';

/** Requests per event, token requests per environment, local throughput and CPU by part. */
export interface ThroughputResult {
  events: number;
  eventsPerSecond: number;
  durationSeconds: number;
  /** Genesys API requests per applied event whose body carries participantId (1 is the floor). */
  requestsPerEventWithParticipant: number;
  /** ... and whose body lacks it (GET conversation + PATCH). */
  requestsPerEventWithoutParticipant: number;
  tokenRequests: number;
  processorEnvironments: number;
  tokenRequestsPerEnvironment: number;
  /** CPU milliseconds per event, by part. */
  cpuMsPerEvent: { moto: number; mainThread: number; workers: number };
  /** Mean wall ms of an invocation, per function (for the cost model: billed duration). */
  meanInvocationMs: { dispatcherPerRecord: number; processor: number };
  /** The pipeline keeping up: events offered at Genesys' real limit for one token, in real time. */
  keepingUp: KeepingUpResult;
  summary: RunSummary;
}

/** A paced run at the real limit with the template's batch settings: what the cost model's "keeping up" reads. */
export interface KeepingUpResult {
  events: number;
  ratePerSecond: number;
  applied: number;
  dispatcherInvocationsPerEvent: number;
  /** Dispatcher wall seconds per event: each batch's wall time over its records. */
  dispatcherSecondsPerEvent: number;
  processorInvocationsPerEvent: number;
  processorSecondsPerInvocation: number;
  logBytesPerEvent: number;
}

/** Genesys' limit for one token, 300 requests a minute, as events a second (one PATCH each). */
export const REAL_LIMIT_EVENTS_PER_SECOND = 300 / 60;

function mainThreadCpuMs(): number {
  return procCpuMs(`/proc/${process.pid}/task/${process.pid}/stat`);
}

function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function motoCpuMs(): number {
  return childPids('moto_server').reduce((sum, pid) => sum + procCpuMs(`/proc/${pid}/stat`), 0);
}

/**
 * `load` offered at the real limit on a warm stack with the template's batch settings, in real time:
 * nothing waits for a limiter, nothing retries. What the cost model reads per event.
 */
export async function pacedRun(stack: LocalStack, timing: InvocationTiming, load: { events: RunEvent[]; conversations: LoadConversation[] }, label: string, log: (line: string) => void): Promise<KeepingUpResult> {
  log(`  ${label}: ${load.events.length} events at ${REAL_LIMIT_EVENTS_PER_SECOND}/s with the template's batch settings`);
  const before = structuredClone(timing.totals);
  const logBefore = logSize(stack);
  const summary = await runLoad(stack, { ...load, ratePerSecond: REAL_LIMIT_EVENTS_PER_SECOND });
  const logBytes = logSize(stack) - logBefore;
  const delta = (fn: string): InvocationTotals => {
    const after = timing.totals[fn] ?? { ms: 0, count: 0, records: 0 };
    const earlier = before[fn] ?? { ms: 0, count: 0, records: 0 };
    return { ms: after.ms - earlier.ms, count: after.count - earlier.count, records: after.records - earlier.records };
  };
  const dispatcher = delta(DISPATCHER);
  const processor = delta(PROCESSOR);
  const perEvent = (n: number): number => ratio(n, summary.in);
  return {
    events: summary.in,
    ratePerSecond: REAL_LIMIT_EVENTS_PER_SECOND,
    applied: summary.applied,
    dispatcherInvocationsPerEvent: perEvent(dispatcher.count),
    dispatcherSecondsPerEvent: perEvent(dispatcher.ms / 1000),
    processorInvocationsPerEvent: perEvent(processor.count),
    processorSecondsPerInvocation: processor.count === 0 ? 0 : ratio(processor.ms / 1000, processor.count),
    logBytesPerEvent: perEvent(logBytes),
  };
}

/** Local throughput with no Genesys limit, then the two requests-per-event runs and the keeping-up run on the same stack. */
export async function throughput(
  settings: { events: number; perKind: number; keepingUpEvents: number; timeScale: number; seed: number },
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const stack = await startLocalStack({
    timeScale: settings.timeScale,
    genesys: { requestsPerMinute: 1_000_000, faultRate: 0, seed: settings.seed },
    pollWaitTimeSeconds: 1,
    handleSignals: false,
  });
  try {
    const timing = timeInvocations(stack);
    const load = generateConversationEvents({ events: settings.events, conversations: Math.max(10, Math.ceil(settings.events / 9)), seed: settings.seed, missingParticipantRate: 0.05 });
    const events: RunEvent[] = load.events.map((event) => ({ entry: event.entry, expected: event.expected }));
    log(`  throughput: ${events.length} events as fast as PutEvents takes them, no Genesys limit`);
    const cpuBefore = { moto: motoCpuMs(), main: mainThreadCpuMs(), process: processCpuMs() };
    const summary = await runLoad(stack, { events, conversations: load.conversations, ratePerSecond: 0 });
    const cpuAfter = { moto: motoCpuMs(), main: mainThreadCpuMs(), process: processCpuMs() };
    // Invocation times of this run only: the runs below have other loads.
    const mainTotals = structuredClone(timing.totals);
    const perEvent = (ms: number): number => ms / Math.max(1, summary.in);
    const main = cpuAfter.main - cpuBefore.main;

    // Requests per event: customer.* events with and without participantId, on the same warm stack.
    const customer = (kind: string): boolean => kind.startsWith('customer.');
    const withParticipant = writeEvents(settings.perKind, settings.seed + 1, 0, customer);
    const withSummary = await runLoad(stack, { events: withParticipant.events, conversations: withParticipant.conversations, ratePerSecond: 0 });
    const withoutParticipant = writeEvents(settings.perKind, settings.seed + 2, 1, customer);
    const withoutSummary = await runLoad(stack, { events: withoutParticipant.events, conversations: withoutParticipant.conversations, ratePerSecond: 0 });
    const keepingUp = await pacedRun(stack, timing, writeEvents(settings.keepingUpEvents, settings.seed + 3), 'keeping up', log);
    const stats = stack.stats();
    const processorEnvironments = stats.lambda[PROCESSOR]?.coldStarts ?? 0;
    const tokenRequests = summary.tokenRequests + withSummary.tokenRequests + withoutSummary.tokenRequests;
    const dispatcher = mainTotals[DISPATCHER];
    const processor = mainTotals[PROCESSOR];
    return {
      events: summary.in,
      eventsPerSecond: summary.throughputPerSecond,
      durationSeconds: summary.durationMs / 1000,
      requestsPerEventWithParticipant: ratio(withSummary.genesysRequests, withSummary.applied),
      requestsPerEventWithoutParticipant: ratio(withoutSummary.genesysRequests, withoutSummary.applied),
      tokenRequests,
      processorEnvironments,
      tokenRequestsPerEnvironment: ratio(tokenRequests, processorEnvironments),
      cpuMsPerEvent: {
        moto: perEvent(cpuAfter.moto - cpuBefore.moto),
        mainThread: perEvent(main),
        workers: perEvent(Math.max(0, cpuAfter.process - cpuBefore.process - main)),
      },
      meanInvocationMs: {
        dispatcherPerRecord: dispatcher === undefined ? 0 : dispatcher.ms / Math.max(1, dispatcher.records),
        processor: processor === undefined ? 0 : processor.ms / Math.max(1, processor.count),
      },
      keepingUp,
      summary,
    };
  } finally {
    await stack.stop();
  }
}
