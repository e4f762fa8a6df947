/**
 * How a record settles, and the one place each settled outcome is counted: applied and skipped by the
 * work that settled them, parked by the dead-lettering (dead-letter.ts), a duplicate by the delivery
 * the idempotency store answered.
 */
import { MetricName, MetricUnit, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';

/** A record's outcome. Saved as the idempotent result, so it stays plain JSON without `undefined`. */
export type DispatchResult = (
  | { outcome: 'applied'; output: unknown }
  | { outcome: 'skipped'; kind: string }
  | { outcome: 'parked'; errorName: string; errorMessage: string }
) & {
  /** Set when the idempotency store answered: this delivery repeated one already settled, and started nothing. */
  duplicate?: true;
};

/** Why a record is parked: the `errorName` and `errorMessage` attributes of its DLQ message. */
export interface RecordFailure {
  errorName: string;
  errorMessage: string;
}

/**
 * Counts an applied or skipped record once, when its work settles it. The end-to-end latency runs from
 * Genesys' event time to now, for applied events that carry one.
 */
export function countDone(result: DispatchResult, eventTime: number | undefined, metrics: MetricsSink = noMetrics, now: () => number = Date.now): void {
  if (result.outcome === 'applied') {
    metrics.addMetric(MetricName.EventsApplied, MetricUnit.Count, 1);
    if (eventTime !== undefined) metrics.addMetric(MetricName.EndToEndLatency, MetricUnit.Milliseconds, Math.max(0, now() - eventTime));
  } else if (result.outcome === 'skipped') {
    metrics.addMetric(MetricName.EventsNotActedOn, MetricUnit.Count, 1);
  }
}
