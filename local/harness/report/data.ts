/**
 * The run report's data: the summary figures on top and the series behind each chart, computed from
 * a run's summary and raw series (local/harness/run/series.ts). Pure functions, so the report is testable without a stack.
 */
import type { RunSeries } from '../run/series.js';
import type { RunSummary } from '../run/summary.js';

/** One figure at the top of the report. `key` is the RunSummary field it shows (dotted for nested ones). */
export interface Figure {
  key: string;
  label: string;
  value: number;
  text: string;
  /** Draws the eye: lost > 0, parked > 0. */
  tone?: 'good' | 'bad' | 'warn';
}

/** Everything the report shows. */
export interface ReportData {
  title: string;
  generatedAt: string;
  /** Run settings shown under the title (seed, time scale, parameters). */
  settings: Record<string, string | number>;
  figures: Figure[];
  /** Width of a time bucket (s); x values are seconds since the run started. */
  bucketSeconds: number;
  bucketStarts: number[];
  appliedPerSecond: number[];
  requestsByStatus: { status: string; values: number[] }[];
  queue: { time: number; visible: number; inFlight: number; delayed: number; parked: number; workflows: number }[];
  latencyBins: { from: number; to: number; count: number }[];
  latency: RunSummary['latencyMs'];
  parkedByReason: { reason: string; count: number }[];
  /** The run's parked events, as many as the report lists, each with its DLQ copy's errorName and errorMessage. */
  parkedEvents: RunSummary['parkedEvents'];
  /** Per action of the run's actions file, in the file's order: the events it applied and the writes they made. */
  byAction: { action: string; applied: number; writes: number }[];
}

/** Most parked events the report lists one by one; the page's JSON summary has them all. */
const LISTED_PARKED = 20;

/** How many buckets a time series aims for: fine enough to see bursts, coarse enough to read. */
const TARGET_BUCKETS = 60;
/** Most queue samples drawn per line; a long run's samples are thinned to this, keeping the last. */
const MAX_QUEUE_POINTS = 240;

/** Every k-th item so that at most `max` remain, the last one always kept. */
export function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = Math.ceil(items.length / max);
  const kept = items.filter((_, index) => index % step === 0);
  const last = items.at(-1);
  if (last !== undefined && kept.at(-1) !== last) kept.push(last);
  return kept;
}

/** The bucket width for a run of `durationMs`: a whole number of seconds, at least 1. */
export function bucketSecondsFor(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs / 1000 / TARGET_BUCKETS));
}

/** The order and label of Genesys answers in the report; anything else is listed by its code. */
export function statusGroup(status: number, token: boolean): string {
  if (token) return 'token requests';
  if (status === 0) return 'no answer';
  return String(status);
}

/** Latency bins of equal width from 0 to the largest sample. */
export function latencyBins(samples: readonly number[], count = 30): { from: number; to: number; count: number }[] {
  if (samples.length === 0) return [];
  const max = Math.max(...samples);
  const width = Math.max(1, Math.ceil((max + 1) / count));
  const bins = Array.from({ length: count }, (_, index) => ({ from: index * width, to: (index + 1) * width, count: 0 }));
  for (const sample of samples) {
    const bin = bins[Math.min(count - 1, Math.floor(sample / width))];
    if (bin !== undefined) bin.count += 1;
  }
  return bins;
}

const integer = (value: number): string => String(Math.round(value));

/** The summary figures, in reading order: what came in, where it went, what it cost, how fast. */
export function figuresOf(summary: RunSummary): Figure[] {
  const figure = (key: string, label: string, value: number, text = integer(value), tone?: Figure['tone']): Figure => ({ key, label, value, text, ...(tone ? { tone } : {}) });
  return [
    figure('in', 'events in', summary.in),
    figure('applied', 'applied in Genesys', summary.applied, undefined, 'good'),
    figure('notActedOn', 'not acted on (by design)', summary.notActedOn),
    figure('filteredByRule', 'of them filtered by the rule, never reaching SQS', summary.filteredByRule),
    figure('parked', 'parked in the DLQ', summary.parked, undefined, summary.parked > 0 ? 'warn' : undefined),
    figure('lost', 'lost', summary.lost, undefined, summary.lost > 0 ? 'bad' : 'good'),
    figure('duplicates', 'duplicates suppressed', summary.duplicates),
    figure('genesysRequests', 'Genesys requests', summary.genesysRequests),
    figure('throttled', 'answered 429', summary.throttled, undefined, summary.throttled > 0 ? 'warn' : undefined),
    figure('tokenRequests', 'token requests', summary.tokenRequests),
    figure('throughputPerSecond', 'events per second', summary.throughputPerSecond, summary.throughputPerSecond.toFixed(1)),
    figure('latencyMs.p50', 'latency p50 (ms)', summary.latencyMs.p50),
    figure('latencyMs.p95', 'latency p95 (ms)', summary.latencyMs.p95),
    figure('latencyMs.p99', 'latency p99 (ms)', summary.latencyMs.p99),
    figure('peakInFlightWorkflows', 'peak in-flight workflows', summary.peakInFlightWorkflows),
    figure('durationMs', 'duration (s)', summary.durationMs, (summary.durationMs / 1000).toFixed(1)),
  ];
}

/** Builds the report's data from a run. */
export function reportData(input: { summary: RunSummary; series: RunSeries; title?: string; settings?: Record<string, string | number>; now?: Date }): ReportData {
  const { summary, series } = input;
  const startedAt = series.startedAt;
  const durationMs = Math.max(1, (series.endedAt || startedAt + summary.durationMs) - startedAt);
  const bucketSeconds = bucketSecondsFor(durationMs);
  const bucketCount = Math.max(1, Math.ceil(durationMs / 1000 / bucketSeconds));
  const bucketOf = (time: number): number => Math.min(bucketCount - 1, Math.max(0, Math.floor((time - startedAt) / 1000 / bucketSeconds)));
  const bucketStarts = Array.from({ length: bucketCount }, (_, index) => index * bucketSeconds);

  const applied = new Array<number>(bucketCount).fill(0);
  for (const time of series.writes) applied[bucketOf(time)] = (applied[bucketOf(time)] ?? 0) + 1;

  const byStatus = new Map<string, number[]>();
  for (const request of series.genesysRequests) {
    const group = statusGroup(request.status, request.token);
    const values = byStatus.get(group) ?? new Array<number>(bucketCount).fill(0);
    values[bucketOf(request.time)] = (values[bucketOf(request.time)] ?? 0) + 1;
    byStatus.set(group, values);
  }
  const order = (group: string): string => (group === 'token requests' ? '9' : group === 'no answer' ? '8' : group);

  return {
    title: input.title ?? `Run of ${summary.in} events`,
    generatedAt: (input.now ?? new Date()).toISOString(),
    settings: input.settings ?? {},
    figures: figuresOf(summary),
    bucketSeconds,
    bucketStarts,
    appliedPerSecond: applied.map((count) => count / bucketSeconds),
    requestsByStatus: [...byStatus].sort(([a], [b]) => order(a).localeCompare(order(b))).map(([status, values]) => ({ status, values })),
    queue: thin(series.samples, MAX_QUEUE_POINTS).map((sample) => ({ ...sample, time: Math.max(0, (sample.time - startedAt) / 1000) })),
    latencyBins: latencyBins(series.latenciesMs),
    latency: summary.latencyMs,
    parkedByReason: Object.entries(summary.parkedByReason)
      .sort(([, a], [, b]) => b - a)
      .map(([reason, count]) => ({ reason, count })),
    parkedEvents: summary.parkedEvents.slice(0, LISTED_PARKED),
    byAction: Object.entries(summary.byAction).map(([action, { applied: events, writes }]) => ({ action, applied: events, writes })),
  };
}
