/** The scaling runs in docs/benchmarks.md: their summary rows, their section with the table, and their misses. */
import { PRICES } from './cost.js';
import { ok as status, pct, table } from './format.js';
import type { Row } from './report.js';
import type { ScalingCell, ScalingSettings } from './scaling.js';
import { round } from './stats.js';

/** What the report holds of the scaling runs. */
export interface ScalingReport {
  settings: ScalingSettings;
  /** The template's MaximumBatchingWindowInSeconds, scaled as the runs scaled it. */
  batchingWindowSeconds: number;
  cells: ScalingCell[];
}

const GOODPUT_TARGET = 0.95;
const THROTTLED_TARGET = 0.01;

const isDesign = (cell: ScalingCell): boolean => cell.mechanism === 'per-token limiter' || cell.mechanism === 'shared budget (DynamoDB)';
/** The grid the targets hold for: each scope and N at 3×, the design's mechanism, 429s not counted. */
const gridCells = (cells: ScalingCell[]): ScalingCell[] => cells.filter((cell) => isDesign(cell) && cell.offeredFactor > 1 && !cell.refusedCounted);
const keepingUp = (cells: ScalingCell[]): ScalingCell[] => cells.filter((cell) => isDesign(cell) && cell.offeredFactor < 1);
const latencyTargetMs = (report: ScalingReport): number => (report.batchingWindowSeconds + 2) * 1000;

/** The rows the summary table gains: the worst cell of the grid on each target, and each keeping-up p99. */
export function scalingRows(report: ScalingReport): Row[] {
  const grid = gridCells(report.cells);
  if (grid.length === 0) return [];
  const worstGoodput = Math.min(...grid.map((cell) => cell.goodputRatio));
  const worstThrottled = Math.max(...grid.map((cell) => cell.throttledShare));
  const rows: Row[] = [
    { figure: `goodput / budget, worst of ${grid.length} scaling cells at 3×`, value: round(worstGoodput, 3).toString(), target: `≥ ${GOODPUT_TARGET}`, status: status(worstGoodput >= GOODPUT_TARGET) },
    { figure: `429 share, worst of ${grid.length} scaling cells at 3×`, value: pct(worstThrottled), target: '≤ 1 %', status: status(worstThrottled <= THROTTLED_TARGET) },
  ];
  for (const cell of keepingUp(report.cells)) {
    rows.push({
      figure: `p99 event to write, keeping up (${cell.scope} scope, N=${cell.environments})`,
      value: `${(cell.latencyMs.p99 / 1000).toFixed(2)} s`,
      target: `≤ ${(latencyTargetMs(report) / 1000).toFixed(1)} s`,
      status: status(cell.latencyMs.p99 <= latencyTargetMs(report)),
    });
  }
  return rows;
}

/** The last line's scaling figures. */
export function scalingLastLine(report: ScalingReport): string {
  const grid = gridCells(report.cells);
  if (grid.length === 0) return '';
  return ` scaling_goodput_min=${round(Math.min(...grid.map((cell) => cell.goodputRatio)), 3)} scaling_throttled_max=${round(Math.max(...grid.map((cell) => cell.throttledShare)), 4)}`;
}

function cellRow(cell: ScalingCell): (string | number)[] {
  return [
    cell.scope,
    cell.mechanism + (cell.refusedCounted ? ', 429s counted' : ''),
    cell.environments,
    cell.environmentsUsed,
    cell.budgetPerMinute,
    `${cell.offeredFactor}×`,
    round(cell.goodputRatio, 3),
    pct(cell.throttledShare),
    round(cell.requestsPerAppliedEvent, 2),
    `${cell.applied} / ${cell.events}${cell.parked > 0 ? ` (${cell.parked} parked)` : ''}${cell.lost > 0 ? ` (${cell.lost} lost)` : ''}`,
    `${(cell.latencyMs.p50 / 1000).toFixed(2)} / ${(cell.latencyMs.p99 / 1000).toFixed(2)}`,
    cell.workflowRetries,
    cell.redeliveries,
    `${round(cell.budgetWritesPerEvent, 2)} / ${round(cell.budgetReadsPerEvent, 2)}`,
  ];
}

const latencies = (cell: ScalingCell | undefined): string => (cell === undefined ? 'n/a' : `${(cell.latencyMs.p50 / 1000).toFixed(2)} / ${(cell.latencyMs.p99 / 1000).toFixed(2)} s`);

/** The section: how the runs are set, the table, what the budget costs, and the choice between the mechanisms. */
export function scalingSection(report: ScalingReport): string[] {
  const s = report.settings;
  const windowSeconds = 60 / s.timeScale;
  const shared = report.cells.find((cell) => cell.mechanism === 'shared budget (DynamoDB)' && cell.offeredFactor > 1 && !cell.refusedCounted && cell.environments === Math.max(...s.environments));
  const writes = shared?.budgetWritesPerEvent ?? 0;
  const reads = shared?.budgetReadsPerEvent ?? 0;
  const keptShared = report.cells.find((cell) => cell.mechanism === 'shared budget (DynamoDB)' && cell.offeredFactor < 1);
  const keptShare = report.cells.find((cell) => cell.mechanism === 'per-environment share' && cell.offeredFactor < 1);
  const budgetCost = writes * PRICES.dynamoDbPerMillionWriteUnits + reads * PRICES.dynamoDbPerMillionReadUnits;
  return [
    '## 1b. The budget as environments multiply',
    '',
    `**The runs.** For N = ${s.environments.join(', ')} processor environments (the local stack's \`maxConcurrency\`, all prewarmed) and each scope, the`,
    `simulator holds the run to the budget: per token **${s.perTokenLimit} requests per token** (so N × ${s.perTokenLimit}), per OAuth client`,
    `**${s.perClientLimit} for the client**, whatever the number of tokens, per scaled minute of ${windowSeconds} s (timeScale ${s.timeScale}; every`,
    `template and ASL duration divided by it, the batching window too: ${report.batchingWindowSeconds} s). Offered load is 3× the budget for ${s.minutes}`,
    `scaled minutes, then drained; keeping up, 0.8× for ${s.keepingUpMinutes}. Per token, two workflows are in flight per environment (each keeps one`,
    'waiting); per client, one per environment (each waits its turn for the one budget). Latency is wall time from the event\'s',
    'publish to its write in the simulator; at 3× it is mostly time queued in SQS, which overload makes inevitable.',
    '',
    '**The mechanisms.** Per token: the in-memory limiter of each environment (functions/shared/genesys/rate-limiter.ts).',
    'Per client: the shared budget, one DynamoDB item per budget whose next free slot every environment moves on with one',
    'conditional write per request (functions/shared/genesys/shared-budget.ts). Beside it, the alternative it was chosen over:',
    'the per-environment share, each environment paced in memory to the budget / N. And the baseline (the original design, no',
    'limiter, no reported budget) in the per-client scope, where its environments overrun the shared budget; once with the',
    'simulator counting 429s against the window, which makes a client that keeps asking stay locked out.',
    '',
    table(
      ['scope', 'mechanism', 'N', 'envs used', 'budget / min', 'offered', 'goodput / budget', '429 share', 'requests / applied event', 'applied / offered', 'p50 / p99 s', 'workflow retries', 'redeliveries', 'budget writes / reads per event'],
      report.cells.map(cellRow),
    ),
    '',
    `**What the shared budget costs.** At 3× and N = ${shared?.environments ?? '?'}: ${round(writes, 2)} writes to the budget table per applied event (one per Genesys`,
    `request, plus the reported budgets and Retry-Afters it shares) and ${round(reads, 2)} reads (a slot taken ahead, checked for a Retry-After`,
    `before it is used): $${round(budgetCost, 2)} per million events at DynamoDB's on-demand $${PRICES.dynamoDbPerMillionWriteUnits} per million writes and`,
    `$${PRICES.dynamoDbPerMillionReadUnits} per million reads, a few milliseconds per request in-region, and no Genesys request. The per-environment share costs`,
    'nothing in AWS, but it holds the budget only while exactly N environments exist: Lambda replaces an environment that timed',
    'out or crashed with a fresh one whose memory has forgotten the minute, and scales to more environments than planned; and each',
    `environment waits N spacings between its own requests, so keeping up its latency is ${latencies(keptShare)} against the shared`,
    `budget's ${latencies(keptShared)} (p50 / p99). The shared budget holds in every one of those cases; it is the mechanism of \`GenesysRateLimitScope\` client.`,
  ];
}

/** Each grid cell that missed a target, with its figures. */
export function scalingNotMet(report: ScalingReport): string[] {
  const lines: string[] = [];
  for (const cell of gridCells(report.cells)) {
    if (cell.goodputRatio >= GOODPUT_TARGET && cell.throttledShare <= THROTTLED_TARGET) continue;
    lines.push(
      `- **Scaling, ${cell.scope} scope, N=${cell.environments}: goodput ${round(cell.goodputRatio, 3)}, ${pct(cell.throttledShare)} 429s** ` +
        `(${cell.environmentsUsed} environments ran at once, ${cell.workflowRetries} workflow retries, ${cell.redeliveries} redeliveries). ` +
        'On this 2-core machine the whole stack shares the CPU; a budget the pipeline cannot offer fast enough shows as goodput below it.',
    );
  }
  for (const cell of keepingUp(report.cells)) {
    if (cell.latencyMs.p99 <= latencyTargetMs(report)) continue;
    lines.push(`- **Keeping up, ${cell.scope} scope: p99 ${(cell.latencyMs.p99 / 1000).toFixed(2)} s** against ${(latencyTargetMs(report) / 1000).toFixed(1)} s (the scaled batching window plus 2 s).`);
  }
  return lines;
}
