/**
 * At most N requests per token in any rolling 60 s: a sliding-window log of admission times, with
 * admissions paced evenly (one per 60 s / N), and none before a Retry-After Genesys gave the token. Genesys counts per OAuth token
 * (https://developer.genesys.cloud/platform/api/rate-limits) and the token belongs to this execution
 * environment, so in-memory state is exact without coordination. Waiters are served in arrival order.
 *
 * Why pace: Genesys counts a request when it arrives, we when we send it. A burst of N admitted at
 * once lands as a burst whose spread of network delays can straddle Genesys' window boundary (429s),
 * and then leaves the next slot a whole window away, longer than an invocation can wait. Evenly spaced
 * requests never wait longer than one spacing, and a small margin on the window absorbs the delay skew.
 *
 * Genesys says on every answer what budget it applies (`inin-ratelimit-allowed`); when that is below ours,
 * the token is paced to it for a window after the answer, the longest any rolling window takes to reset.
 */
import { systemClock, type Clock } from '../clock.js';
import { GenesysRateLimited } from '../errors.js';

export { systemClock, type Clock } from '../clock.js';

/** Options of one acquire. */
export interface AcquireOptions {
  signal?: AbortSignal;
  /** Give up with GenesysRateLimited rather than wait longer than this (e.g. the Lambda time left). */
  maxWaitMs?: number;
  /**
   * Another budget the request needs too (the scope's, for a route with a limit of its own), acquired once this
   * one has room and while it keeps its turn: the admission is counted when that returns, when the request
   * leaves, so no other request of this budget takes the slot meanwhile and the count is of requests sent.
   */
  andThen?: () => Promise<void>;
}

/** The rolling window Genesys counts requests in. */
export const WINDOW_MS = 60_000;

/** Share of the window added to it, so requests sent at our window's edge arrive inside Genesys' next one. */
export const WINDOW_MARGIN = 0.01;

/** Per-token sliding-window limiter. */
export class RateLimiter {
  readonly #limit: number;
  readonly #clock: Clock;
  readonly #windowMs: number;
  /** Per token, admission times within the last window, oldest first; a new token starts empty. */
  readonly #windows = new Map<string, number[]>();
  /** Per token, the time before which Genesys asked (Retry-After) that nothing be sent with it. */
  readonly #heldUntil = new Map<string, number>();
  /** Per token, a budget below ours that Genesys reported, and until when it stands (a window after the answer). */
  readonly #reported = new Map<string, { allowed: number; until: number }>();
  #current?: string;
  /** The tail of the FIFO queue of acquirers. */
  #queue: Promise<void> = Promise.resolve();

  /** `windowMs` is Genesys' minute; only the local stack's time scale shortens it. */
  constructor(requestsPerMinute: number, clock: Clock = systemClock, windowMs: number = WINDOW_MS) {
    if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1) {
      throw new RangeError(`requestsPerMinute must be a positive integer, got ${requestsPerMinute}`);
    }
    this.#limit = requestsPerMinute;
    this.#clock = clock;
    this.#windowMs = windowMs * (1 + WINDOW_MARGIN);
  }

  /**
   * Waits for a slot for a request made with `token`; a new token starts an empty window.
   * @throws GenesysRateLimited when the wait would exceed `maxWaitMs`; the signal's reason when it aborts.
   */
  acquire(token: string, options: AcquireOptions = {}): Promise<void> {
    const deadline = options.maxWaitMs === undefined ? Infinity : this.#clock.now() + options.maxWaitMs;
    const turn = this.#queue.then(() => this.#admit(token, deadline, options.signal, options.andThen));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Genesys answered 429 with `Retry-After`: no request with `token` is admitted for `ms` from now,
   * whichever caller asks (a retry of this invocation or a later one in this execution environment).
   */
  holdOff(token: string, ms: number): void {
    const until = this.#clock.now() + ms;
    this.#heldUntil.set(token, Math.max(this.#heldUntil.get(token) ?? 0, until));
  }

  /**
   * Genesys reported `allowed` requests a minute for `token`: below ours, that token is paced to it for a
   * window, each answer renewing it; at or above ours, an earlier smaller report no longer stands.
   */
  follow(token: string, allowed: number): void {
    if (!Number.isInteger(allowed) || allowed < 1) return;
    if (allowed >= this.#limit) this.#reported.delete(token);
    else this.#reported.set(token, { allowed, until: this.#clock.now() + this.#windowMs });
  }

  /** The budget `token` is paced to now: ours, or the smaller one Genesys reported while it stands. */
  limitFor(token: string): number {
    const reported = this.#reported.get(token);
    return reported !== undefined && reported.until > this.#clock.now() ? reported.allowed : this.#limit;
  }

  /** Requests admitted in the last 60 s with the most recent token (for tests and metrics). */
  inWindow(): number {
    const admitted = this.#current === undefined ? undefined : this.#windows.get(this.#current);
    return admitted === undefined ? 0 : prune(admitted, this.#clock.now(), this.#windowMs).length;
  }

  async #admit(token: string, deadline: number, signal?: AbortSignal, andThen?: () => Promise<void>): Promise<void> {
    this.#current = token;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#clock.now();
      // Windows of replaced tokens are dropped once empty; a request still holding one keeps its own count.
      for (const [key, log] of this.#windows) if (key !== token && prune(log, now, this.#windowMs).length === 0) this.#windows.delete(key);
      for (const [key, until] of this.#heldUntil) if (until <= now) this.#heldUntil.delete(key);
      for (const [key, { until }] of this.#reported) if (until <= now) this.#reported.delete(key);
      const limit = this.limitFor(token);
      const admitted = prune(this.#windows.get(token) ?? [], now, this.#windowMs);
      this.#windows.set(token, admitted);
      const last = admitted.at(-1);
      const heldUntil = this.#heldUntil.get(token) ?? 0;
      const pacedAt = Math.max(last === undefined ? now : last + this.#windowMs / limit, heldUntil);
      if (admitted.length < limit && pacedAt <= now) {
        if (andThen !== undefined) await andThen();
        admitted.push(this.#clock.now());
        return;
      }
      // The oldest admission leaves the window (now - 60 s, now] at oldest + 60 s; pacing or a Retry-After may ask for later.
      const freeAt = Math.max(admitted.length < limit ? now : (admitted[admitted.length - limit] as number) + this.#windowMs, pacedAt);
      if (freeAt > deadline) {
        const reason = heldUntil > now ? 'Genesys asked this token to wait (Retry-After)' : `local limit of ${limit} requests per minute reached`;
        throw new GenesysRateLimited(reason, { retryAfterSeconds: Math.ceil((freeAt - now) / 1000) });
      }
      await this.#clock.sleep(freeAt - now, signal);
    }
  }
}

/** Drops admissions that left the window (now - windowMs, now]; returns the same array. */
function prune(admitted: number[], now: number, windowMs: number): number[] {
  let expired = 0;
  while (expired < admitted.length && (admitted[expired] as number) <= now - windowMs) expired += 1;
  if (expired > 0) admitted.splice(0, expired);
  return admitted;
}
