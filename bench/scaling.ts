/**
 * The Genesys budget as processor environments multiply, in one run: for N environments and each scope (the
 * budget per token, each environment with its own; or per OAuth client, all of them sharing one), offered load
 * at 3× the budget, and at 80 % of it to see the latency while keeping up. The baseline (the original design:
 * no limiter) runs in the per-client scope, where its environments overrun the shared budget, and the
 * per-environment share (each environment paced to the budget / N in its memory) beside the shared budget.
 *
 * Time scale: as bench/goodput.ts (the simulator's minute lasts 60000 / timeScale ms, every template and ASL
 * duration is divided by it, the processor's limiter counts the same scaled window). Latencies are wall time.
 */
import { readFileSync } from 'node:fs';
import { metricTotal } from '../local/harness/run/emf.js';
import { runLoad } from '../local/harness/run.js';
import { startLocalStack, type LocalStackOptions } from '../local/stack/index.js';
import { baselineOptions, windowedRate } from './goodput.js';
import { DISPATCHER, PROCESSOR, writeEvents } from './instruments.js';
import { ratio } from './stats.js';

/** How the scaling runs are shaped. */
export interface ScalingSettings {
  timeScale: number;
  /** Requests per token per (scaled) minute: with scope token the budget is N times this. */
  perTokenLimit: number;
  /** Requests per OAuth client per (scaled) minute: the whole budget with scope client. */
  perClientLimit: number;
  environments: number[];
  /** How many (scaled) minutes the offered load lasts at 3×, and while keeping up (a longer sample for its p99). */
  minutes: number;
  keepingUpMinutes: number;
  seed: number;
}

/** How the environments are held to the budget in one run. */
export type Mechanism = 'per-token limiter' | 'shared budget (DynamoDB)' | 'per-environment share' | 'baseline (no limiter)';

/** One cell of the scaling table. */
export interface ScalingCell {
  scope: 'token' | 'client';
  mechanism: Mechanism;
  environments: number;
  /** The budget the simulator holds the run to, requests per (scaled) minute. */
  budgetPerMinute: number;
  offeredFactor: number;
  /** Whether the simulator counted 429s against the window. */
  refusedCounted: boolean;
  events: number;
  applied: number;
  parked: number;
  lost: number;
  goodputPerSecond: number;
  /** goodputPerSecond over the budget's rate. */
  goodputRatio: number;
  throttledShare: number;
  genesysRequests: number;
  requestsPerAppliedEvent: number;
  appliedShare: number;
  /** From the event's publish to its write in Genesys, wall ms. */
  latencyMs: { p50: number; p99: number };
  /** Most processor environments alive at once. */
  environmentsUsed: number;
  workflowRetries: number;
  redeliveries: number;
  /** Writes to the shared budget's table per applied event (metric RateBudgetWrites; 0 without one). */
  budgetWritesPerEvent: number;
  /** Reads of it per applied event (metric RateBudgetReads: slots taken ahead, checked for a Retry-After). */
  budgetReadsPerEvent: number;
  drainSeconds: number;
}

/** What one cell runs. */
interface CellPlan {
  scope: ScalingCell['scope'];
  mechanism: Mechanism;
  environments: number;
  offeredFactor: number;
  refusedCounted?: boolean;
}

function budgetOf(plan: CellPlan, settings: ScalingSettings): number {
  return plan.scope === 'token' ? plan.environments * settings.perTokenLimit : settings.perClientLimit;
}

/**
 * Stack options of a cell. In flight: two workflows per environment with the per-token limiter (each environment
 * keeps one waiting), one per environment with a shared budget (every workflow waits its turn for the one budget,
 * and N × spacing must stay within what a processor invocation may wait), never below the 2 SQS allows.
 */
function cellOptions(plan: CellPlan, settings: ScalingSettings): LocalStackOptions {
  const scale = settings.timeScale;
  const budget = budgetOf(plan, settings);
  const genesys = { requestsPerMinute: budget, rateLimitScope: plan.scope, countRefused: plan.refusedCounted === true, timeScale: scale, faultRate: 0, seed: settings.seed };
  const common = { maxConcurrency: { [PROCESSOR]: plan.environments }, timeScale: scale, pollWaitTimeSeconds: 1, handleSignals: false };
  if (plan.mechanism === 'baseline (no limiter)') {
    const baseline = baselineOptions({ timeScale: scale, limit: budget, minutes: settings.minutes, offeredFactor: plan.offeredFactor, baselineConcurrency: Math.max(2, plan.environments), seed: settings.seed });
    return { ...baseline, ...common, genesys: { ...genesys, rateLimitHeaders: false } };
  }
  const perEnvironment = plan.mechanism === 'per-environment share' ? Math.max(1, Math.floor(budget / plan.environments)) : plan.scope === 'token' ? settings.perTokenLimit : budget;
  const shared = plan.mechanism === 'shared budget (DynamoDB)';
  return {
    ...common,
    genesys,
    parameters: {
      MaximumConcurrency: Math.max(2, plan.environments),
      BatchSize: plan.mechanism === 'per-token limiter' ? 2 : 1,
      GenesysRateLimitScope: shared ? 'client' : 'token',
    },
    functionEnvironment: {
      [PROCESSOR]: {
        GENESYS_REQUESTS_PER_MINUTE: String(perEnvironment),
        GENESYS_RATE_LIMIT_WINDOW_MS: String(60_000 / scale),
        GENESYS_REQUEST_TIMEOUT_MS: String(3000 / scale),
        GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS: String(3 / scale),
      },
      [DISPATCHER]: { RETRY_BASE_DELAY_SECONDS: String(Math.max(1, 10 / scale)), RETRY_MAX_DELAY_SECONDS: String(900 / scale) },
    },
  };
}

async function runCell(plan: CellPlan, settings: ScalingSettings, log: (line: string) => void): Promise<ScalingCell> {
  const windowMs = 60_000 / settings.timeScale;
  const budget = budgetOf(plan, settings);
  const budgetPerSecond = (budget * 1000) / windowMs;
  const minutes = plan.offeredFactor < 1 ? settings.keepingUpMinutes : settings.minutes;
  const count = Math.max(10, Math.round(budget * minutes * plan.offeredFactor));
  const { events, conversations } = writeEvents(count, settings.seed);
  const stack = await startLocalStack(cellOptions(plan, settings));
  try {
    await stack.runtime.prewarm(PROCESSOR, plan.environments);
    const ledgerStart = stack.simulator.ledger.requests.length;
    log(`  ${plan.scope} × ${plan.environments}, ${plan.mechanism}${plan.refusedCounted ? ', 429s counted' : ''}: ${events.length} events at ${plan.offeredFactor}× ${budget}/${windowMs / 1000} s`);
    const summary = await runLoad(stack, { events, conversations, ratePerSecond: budgetPerSecond * plan.offeredFactor, drainTimeoutMs: 8 * 60_000 });
    const writes = stack.simulator.ledger.requests.slice(ledgerStart).filter((request) => request.method === 'PATCH' && request.status >= 200 && request.status < 300).map((request) => request.time);
    const rate = windowedRate(writes, windowMs);
    const functionLog = stack.logFile === undefined ? '' : readFileSync(stack.logFile, 'utf8');
    return {
      scope: plan.scope,
      mechanism: plan.mechanism,
      environments: plan.environments,
      budgetPerMinute: budget,
      offeredFactor: plan.offeredFactor,
      refusedCounted: plan.refusedCounted === true,
      events: summary.in,
      applied: summary.applied,
      parked: summary.parked,
      lost: summary.lost,
      goodputPerSecond: rate.perSecond,
      goodputRatio: ratio(rate.perSecond, budgetPerSecond),
      throttledShare: ratio(summary.throttled, summary.genesysRequests),
      genesysRequests: summary.genesysRequests,
      requestsPerAppliedEvent: ratio(summary.genesysRequests, summary.applied),
      appliedShare: ratio(summary.applied, summary.in),
      latencyMs: { p50: summary.latencyMs.p50, p99: summary.latencyMs.p99 },
      environmentsUsed: stack.stats().lambda[PROCESSOR]?.peakConcurrency ?? 0,
      workflowRetries: summary.workflowRetries,
      redeliveries: summary.redeliveries,
      budgetWritesPerEvent: ratio(metricTotal(functionLog, 'RateBudgetWrites'), summary.applied),
      budgetReadsPerEvent: ratio(metricTotal(functionLog, 'RateBudgetReads'), summary.applied),
      drainSeconds: summary.durationMs / 1000,
    };
  } finally {
    await stack.stop();
  }
}

/** The cells of the table, in the order they run: the grid at 3×, then the comparisons, then keeping up. */
export function scalingPlan(settings: ScalingSettings): CellPlan[] {
  const most = Math.max(...settings.environments);
  const grid = (['token', 'client'] as const).flatMap((scope) =>
    settings.environments.map((environments): CellPlan => ({ scope, environments, offeredFactor: 3, mechanism: scope === 'token' ? 'per-token limiter' : 'shared budget (DynamoDB)' })),
  );
  return [
    ...grid,
    { scope: 'client', environments: most, offeredFactor: 3, mechanism: 'shared budget (DynamoDB)', refusedCounted: true },
    { scope: 'client', environments: most, offeredFactor: 3, mechanism: 'per-environment share' },
    { scope: 'client', environments: most, offeredFactor: 3, mechanism: 'baseline (no limiter)' },
    { scope: 'client', environments: most, offeredFactor: 3, mechanism: 'baseline (no limiter)', refusedCounted: true },
    { scope: 'token', environments: most, offeredFactor: 0.8, mechanism: 'per-token limiter' },
    { scope: 'client', environments: most, offeredFactor: 0.8, mechanism: 'shared budget (DynamoDB)' },
    { scope: 'client', environments: most, offeredFactor: 0.8, mechanism: 'per-environment share' },
  ];
}

/** Runs every cell of the plan, one after the other, on this machine. */
export async function scaling(settings: ScalingSettings, log: (line: string) => void, plan: CellPlan[] = scalingPlan(settings)): Promise<ScalingCell[]> {
  const cells: ScalingCell[] = [];
  for (const cell of plan) cells.push(await runCell(cell, settings, log));
  return cells;
}
