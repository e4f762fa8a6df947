/**
 * Goodput under the Genesys limit on the local stack: this design against a baseline configuration,
 * same load, same run.
 *
 * "The Genesys limit" is one token's: the simulator allows `limit` API requests per token per (scaled)
 * minute, and the processor runs in at most one execution environment, so one token and one limit are
 * the bottleneck. A real deployment has one token per processor environment, each with this limit.
 *
 * Time scale: the simulator's minute lasts 60000 / timeScale ms, and every duration the template and
 * the ASL set is divided by timeScale (stack option). The processor's limiter counts per real minute
 * (GENESYS_REQUESTS_PER_MINUTE over 60 s); here its window is the simulator's scaled minute
 * (GENESYS_RATE_LIMIT_WINDOW_MS) with the same count, so both sides count the same window. The
 * durations the functions read from their environment (request timeout, redelivery delays) are scaled
 * the same way. Retry-After stays in real seconds: it is what a client must actually wait.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { runLoad, type RunSummary } from '../local/harness/run.js';
import { startLocalStack, type LocalStackOptions } from '../local/stack/index.js';
import { DISPATCHER, PROCESSOR, logSize, timeInvocations, writeEvents } from './instruments.js';
import { ratio } from './stats.js';

/** How the goodput runs are shaped. */
export interface GoodputSettings {
  /** Divides every duration; the simulator's minute lasts 60000 / timeScale ms. */
  timeScale: number;
  /** Genesys API requests per token per (scaled) minute. */
  limit: number;
  /** How many (scaled) minutes the offered load lasts. */
  minutes: number;
  /** Offered load as a multiple of the limit. */
  offeredFactor: number;
  /** Event source MaximumConcurrency of the baseline ("no maximum concurrency"; capped for a 2-core machine). */
  baselineConcurrency: number;
  seed: number;
}

/** One configuration's goodput figures. */
export interface GoodputResult {
  name: 'design' | 'baseline';
  events: number;
  applied: number;
  parked: number;
  parkedByReason: Record<string, number>;
  lost: number;
  /** Applied events per second over the whole windows of the sustained stretch. */
  goodputPerSecond: number;
  /** goodputPerSecond over the limit's rate. */
  goodputRatio: number;
  /** Share of Genesys API requests answered 429. */
  throttledShare: number;
  throttled: number;
  genesysRequests: number;
  requestsPerAppliedEvent: number;
  tokenRequests: number;
  /** From the first event sent until the queue was empty and nothing ran. */
  drainSeconds: number;
  workflowRetries: number;
  redeliveries: number;
  processorInvocations: number;
  dispatcherInvocations: number;
  /** Express executions started. */
  executions: number;
  /** SQS receives that returned a batch, and deletes (one DeleteMessageBatch per batch). */
  batches: number;
  /** Wall ms of every invocation, per function, as the caller saw it (time-scaled). */
  invocationMs: { dispatcher: number; processor: number };
  /** Bytes the functions wrote to their log during the run. */
  logBytes: number;
  summary: RunSummary;
}

/** The ASL as the original design had it: fixed retries (BackoffRate 1) without jitter. */
export function baselineDefinition(_logicalId: string, definition: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(definition);
  const visit = (states: Record<string, unknown>): void => {
    for (const state of Object.values(states) as Record<string, unknown>[]) {
      for (const retrier of (state.Retry ?? []) as Record<string, unknown>[]) {
        delete retrier.JitterStrategy;
        delete retrier.MaxDelaySeconds;
        retrier.BackoffRate = 1;
      }
      for (const branch of (state.Branches ?? []) as { States: Record<string, unknown> }[]) visit(branch.States);
    }
  };
  visit(copy.States as Record<string, unknown>);
  return copy;
}

/** Stack options both goodput configurations share. */
function commonOptions(settings: GoodputSettings): LocalStackOptions {
  const scale = settings.timeScale;
  return {
    timeScale: scale,
    genesys: { requestsPerMinute: settings.limit, timeScale: scale, faultRate: 0, seed: settings.seed },
    maxConcurrency: { [PROCESSOR]: 1 },
    pollWaitTimeSeconds: 1,
    handleSignals: false,
  };
}

/** The design, time-scaled and sized to the bench's limit: per-token limiter on the scaled minute, Retry-After, jittered backoff, MaximumConcurrency 2 × BatchSize 1. */
export function designOptions(settings: GoodputSettings): LocalStackOptions {
  const scale = settings.timeScale;
  return {
    ...commonOptions(settings),
    // Concurrency is one knob (docs/design.md): in-flight workflows ≤ MaximumConcurrency × BatchSize, sized to
    // what Genesys allows, as docs/operations.md tells a user to. Here the limit is one token in one processor
    // environment, so 2 × 1 in flight; the deployed 2 × 10 is sized for many environments, each with its token.
    // With 20 in flight on one environment, workflows queue for it past their task timeout (States.Timeout).
    parameters: { BatchSize: 1 },
    functionEnvironment: {
      [PROCESSOR]: {
        GENESYS_REQUESTS_PER_MINUTE: String(settings.limit),
        GENESYS_RATE_LIMIT_WINDOW_MS: String(60_000 / scale),
        GENESYS_REQUEST_TIMEOUT_MS: String(3000 / scale),
        GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS: String(3 / scale),
      },
      [DISPATCHER]: { RETRY_BASE_DELAY_SECONDS: String(Math.max(1, 10 / scale)), RETRY_MAX_DELAY_SECONDS: String(900 / scale) },
    },
  };
}

/**
 * The original design: no per-token limiter (a limit no run reaches), no Retry-After (never waited
 * out: every 429 goes back to the workflow), fixed retries without jitter (the ASL rewritten by
 * {@link baselineDefinition}), no maximum concurrency on the event source.
 */
export function baselineOptions(settings: GoodputSettings): LocalStackOptions {
  const scale = settings.timeScale;
  const common = commonOptions(settings);
  return {
    ...common,
    // The original design never read the inin-ratelimit-* headers; without them the simulator's budget stays
    // unseen, as it was to that design (the limiter follows a reported budget below its own).
    genesys: { ...common.genesys, rateLimitHeaders: false },
    parameters: { MaximumConcurrency: settings.baselineConcurrency },
    transformDefinition: baselineDefinition,
    functionEnvironment: {
      [PROCESSOR]: {
        GENESYS_REQUESTS_PER_MINUTE: '1000000',
        GENESYS_REQUEST_TIMEOUT_MS: String(3000 / scale),
        GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS: '0.001',
      },
      [DISPATCHER]: { RETRY_BASE_DELAY_SECONDS: String(Math.max(1, 10 / scale)), RETRY_MAX_DELAY_SECONDS: String(900 / scale) },
    },
  };
}

/**
 * Applied writes per whole window of the stretch: counts 2xx PATCHes from the first one over as many
 * whole windows as fit before the last one, so a burst at the start of a window is not mistaken for a
 * rate above the limit.
 */
export function windowedRate(writeTimes: readonly number[], windowMs: number): { perSecond: number; windows: number } {
  if (writeTimes.length < 2) return { perSecond: 0, windows: 0 };
  const sorted = [...writeTimes].sort((a, b) => a - b);
  const first = sorted[0] as number;
  const last = sorted.at(-1) as number;
  const windows = Math.floor((last - first) / windowMs);
  if (windows < 1) return { perSecond: ((sorted.length - 1) * 1000) / Math.max(1, last - first), windows: 0 };
  const inside = sorted.filter((time) => time < first + windows * windowMs).length;
  return { perSecond: (inside * 1000) / (windows * windowMs), windows };
}

async function goodputRun(name: GoodputResult['name'], options: LocalStackOptions, settings: GoodputSettings, log: (line: string) => void): Promise<GoodputResult> {
  const windowMs = 60_000 / settings.timeScale;
  const limitPerSecond = (settings.limit * 1000) / windowMs;
  const count = Math.round(settings.limit * settings.minutes * settings.offeredFactor);
  const { events, conversations } = writeEvents(count, settings.seed);
  const stack = await startLocalStack(options);
  try {
    await stack.runtime.prewarm(PROCESSOR, 1);
    const timing = timeInvocations(stack);
    const logBytesBefore = logSize(stack);
    const before = stack.stats();
    const ledgerStart = stack.simulator.ledger.requests.length;
    log(`  ${name}: ${events.length} events at ${(limitPerSecond * settings.offeredFactor).toFixed(1)}/s (${settings.offeredFactor}× the limit of ${settings.limit} per ${windowMs / 1000} s)`);
    const summary = await runLoad(stack, { events, conversations, ratePerSecond: limitPerSecond * settings.offeredFactor, drainTimeoutMs: 8 * 60_000 });
    const after = stack.stats();
    const requests = stack.simulator.ledger.requests.slice(ledgerStart);
    const writes = requests.filter((request) => request.method === 'PATCH' && request.status >= 200 && request.status < 300).map((request) => request.time);
    const rate = windowedRate(writes, windowMs);
    const invocations = (id: string): number => (after.lambda[id]?.invocations ?? 0) - (before.lambda[id]?.invocations ?? 0);
    return {
      name,
      events: summary.in,
      applied: summary.applied,
      parked: summary.parked,
      parkedByReason: summary.parkedByReason,
      lost: summary.lost,
      goodputPerSecond: rate.perSecond,
      goodputRatio: ratio(rate.perSecond, limitPerSecond),
      throttledShare: ratio(summary.throttled, summary.genesysRequests),
      throttled: summary.throttled,
      genesysRequests: summary.genesysRequests,
      requestsPerAppliedEvent: ratio(summary.genesysRequests, summary.applied),
      tokenRequests: summary.tokenRequests,
      drainSeconds: summary.durationMs / 1000,
      workflowRetries: summary.workflowRetries,
      redeliveries: summary.redeliveries,
      processorInvocations: invocations(PROCESSOR),
      dispatcherInvocations: invocations(DISPATCHER),
      executions: after.stepFunctions.started - before.stepFunctions.started,
      batches: after.poller.batches - before.poller.batches,
      invocationMs: { dispatcher: timing.totals[DISPATCHER]?.ms ?? 0, processor: timing.totals[PROCESSOR]?.ms ?? 0 },
      logBytes: logSize(stack) - logBytesBefore,
      summary,
    };
  } finally {
    await stack.stop();
  }
}

/** Runs the design and the baseline on the same load, one after the other. */
export async function goodput(settings: GoodputSettings, log: (line: string) => void): Promise<{ design: GoodputResult; baseline: GoodputResult }> {
  const design = await goodputRun('design', designOptions(settings), settings, log);
  const baseline = await goodputRun('baseline', baselineOptions(settings), settings, log);
  return { design, baseline };
}
