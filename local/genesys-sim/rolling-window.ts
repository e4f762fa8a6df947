/**
 * A rolling-window rate limit per key (an OAuth token, a client id, either with a resource): at most `limit`
 * counted requests in any `windowMs`. Refused requests are not counted unless the caller says so, so a client
 * that waits out Retry-After gets in.
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
    const decision = this.peek(key);
    if (decision.allowed) return this.count(key);
    return decision;
  }

  /** What a request with this key would be told now, without counting it. */
  peek(key: string, limit: number = this.limit): WindowDecision {
    const now = this.clock();
    const times = this.pruned(key, now);
    const whole = Math.max(0, Math.floor(limit));
    if (times.length >= whole) {
      // Lowering the limit below the count: the slot frees when enough of the oldest requests leave.
      const freesAt = (times[times.length - whole] ?? now) + this.windowMs;
      const waitMs = Math.max(0, freesAt - now);
      return { allowed: false, count: times.length, limit: whole, retryAfterMs: waitMs, resetMs: this.resetMs(times, now) };
    }
    return { allowed: true, count: times.length + 1, limit: whole, retryAfterMs: 0, resetMs: this.resetMs([...times, now], now) };
  }

  /** Counts a request against the key now, allowed or not; returns the key's state after it, as an allowed request sees it. */
  count(key: string, limit: number = this.limit): WindowDecision {
    const now = this.clock();
    const times = this.pruned(key, now);
    times.push(now);
    return { allowed: true, count: times.length, limit: Math.max(0, Math.floor(limit)), retryAfterMs: 0, resetMs: this.resetMs(times, now) };
  }

  private pruned(key: string, now: number): number[] {
    const times = this.hits.get(key) ?? [];
    while (times.length > 0 && (times[0] as number) <= now - this.windowMs) times.shift();
    this.hits.set(key, times);
    return times;
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
