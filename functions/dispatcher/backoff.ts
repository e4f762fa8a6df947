/**
 * How long a retryable record stays invisible before SQS hands it out again.
 * Exponential in the receive count, capped, with full jitter ("Exponential Backoff And Jitter",
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), so records that failed
 * together during a Genesys outage do not all come back together.
 */

/** SQS refuses a visibility timeout above 12 hours (ChangeMessageVisibility, VisibilityTimeout). */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** The shape of the curve: the first delay's ceiling and the cap on every delay. */
export interface BackoffOptions {
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * The visibility timeout, in whole seconds, for a record received `receiveCount` times:
 * uniform in [1, min(maxSeconds, baseSeconds × 2^(receiveCount − 1))]. Pure.
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
  // 1 + floor(u × ceiling) lies in [1, ceiling] for u in [0, 1): never 0 s, which would hand the record straight back.
  return Math.min(ceiling, 1 + Math.floor(unit * ceiling));
}
