/**
 * How long a retryable record stays invisible before SQS hands it out again.
 * Exponential in the receive count, capped, with "equal jitter" ("Exponential Backoff And Jitter",
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): records that failed
 * together during a Genesys outage do not all come back together, and every delay is at least half
 * its ceiling, so the receives a record has span a guaranteed window (full jitter could spend all of
 * them within seconds of an outage starting; docs/reliability.md, "Retry window").
 */

/** SQS refuses a visibility timeout above 12 hours (ChangeMessageVisibility, VisibilityTimeout). */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** The shape of the curve: the first delay's ceiling and the cap on every delay. */
export interface BackoffOptions {
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * The shortest and longest time `receives` receives of a failing record span in redelivery delays
 * alone (the receive count runs 1 … receives − 1 between them): the outage the dispatcher rides out.
 */
export function redeliveryWindowSeconds(receives: number, options: BackoffOptions): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let receiveCount = 1; receiveCount < receives; receiveCount += 1) {
    min += redeliveryDelaySeconds(receiveCount, options, () => 0);
    max += redeliveryDelaySeconds(receiveCount, options, () => 1 - Number.EPSILON);
  }
  return { min, max };
}

/**
 * The visibility timeout, in whole seconds, for a record received `receiveCount` times: uniform in
 * [⌈ceiling / 2⌉, ceiling] with ceiling = min(maxSeconds, baseSeconds × 2^(receiveCount − 1)), at least 1. Pure.
 */
export function redeliveryDelaySeconds(
  receiveCount: number,
  { baseSeconds, maxSeconds }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const attempt = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  const cap = Math.max(1, Math.floor(Math.min(maxSeconds, MAX_VISIBILITY_TIMEOUT_SECONDS)));
  const ceiling = Math.max(1, Math.min(cap, Math.floor(baseSeconds * 2 ** (attempt - 1))));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  // floor + ⌊u × (ceiling − floor + 1)⌋ lies in [floor, ceiling] for u in [0, 1); floor ≥ 1: never 0 s.
  const floor = Math.max(1, Math.ceil(ceiling / 2));
  return Math.min(ceiling, floor + Math.floor(unit * (ceiling - floor + 1)));
}
