/**
 * A rolling-window rate limit per key (an OAuth token, a client id): at most `limit` accepted requests
 * in any `windowMs`. Refused requests are not counted, so a client that waits out Retry-After gets in.
 */

/** The outcome of one request against the window. */
export interface WindowDecision {
  allowed: boolean;
  /** Accepted requests in the window, this one included when allowed. */
  count: number;
  limit: number;
  /** Until a slot frees (0 when allowed). */
  retryAfterMs: number;
  /** Until the oldest accepted request leaves the window. */
  resetMs: number;
}

/** Counts accepted requests per key over a rolling window, on a clock the caller supplies. */
export class RollingWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    public limit: number,
    public windowMs: number,
    private readonly clock: () => number,
  ) {}

  /** Accepts the request if the key has a free slot, and says when the next one frees otherwise. */
  take(key: string): WindowDecision {
    const now = this.clock();
    const times = this.hits.get(key) ?? [];
    while (times.length > 0 && (times[0] as number) <= now - this.windowMs) times.shift();
    this.hits.set(key, times);
    const limit = Math.max(0, Math.floor(this.limit));
    if (times.length >= limit) {
      // Lowering the limit below the count: the slot frees when enough of the oldest requests leave.
      const freesAt = (times[times.length - limit] ?? now) + this.windowMs;
      const waitMs = Math.max(0, freesAt - now);
      return { allowed: false, count: times.length, limit, retryAfterMs: waitMs, resetMs: this.resetMs(times, now) };
    }
    times.push(now);
    return { allowed: true, count: times.length, limit, retryAfterMs: 0, resetMs: this.resetMs(times, now) };
  }

  /** Forgets every key's history. */
  clear(): void {
    this.hits.clear();
  }

  private resetMs(times: readonly number[], now: number): number {
    return times.length === 0 ? 0 : Math.max(0, (times[0] as number) + this.windowMs - now);
  }
}

/** Milliseconds as the whole seconds a Retry-After header carries: rounded up, at least 1. */
export function toRetryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
