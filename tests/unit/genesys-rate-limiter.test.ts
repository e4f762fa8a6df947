import { ErrorName } from '../../functions/shared/errors.js';
import { RateLimiter, WINDOW_MARGIN, WINDOW_MS, type Clock } from '../../functions/shared/genesys/rate-limiter.js';

/** The window the limiter keeps: Genesys' minute plus its margin for network delay skew. */
const KEPT_WINDOW_MS = WINDOW_MS * (1 + WINDOW_MARGIN);

/** A clock that only moves when someone sleeps (or the test advances it). */
function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void; slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      slept.push(ms);
      now += ms;
    },
  };
}

/** The largest number of admissions inside any window (t - 60 s, t]. */
function busiestWindow(times: number[]): number {
  let busiest = 0;
  for (const end of times) busiest = Math.max(busiest, times.filter((time) => time > end - WINDOW_MS && time <= end).length);
  return busiest;
}

describe('RateLimiter', () => {
  it('paces requests one window / N apart instead of letting a burst go out at once', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(5, clock);
    const start = clock.now();

    for (let request = 0; request < 6; request += 1) await limiter.acquire('token-a');

    const spacing = KEPT_WINDOW_MS / 5;
    expect(clock.slept).toEqual([spacing, spacing, spacing, spacing, spacing]);
    // The sixth request goes out once the first has left the window, never earlier.
    expect(clock.now()).toBe(start + KEPT_WINDOW_MS);
  });

  it('admits a request at once when the last one is a spacing or more ago', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(300, clock);

    await limiter.acquire('token-a');
    clock.advance(KEPT_WINDOW_MS / 300);
    await limiter.acquire('token-a');

    expect(clock.slept).toEqual([]);
  });

  it('never lets N+1 requests into any 60 s window, and waits instead of failing', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    const admitted: number[] = [];

    // Bursts at irregular moments, concurrent callers included.
    for (let round = 0; round < 12; round += 1) {
      clock.advance((round * 7_919) % 23_000);
      await Promise.all(
        Array.from({ length: 7 }, async () => {
          await limiter.acquire('token-a');
          admitted.push(clock.now());
        }),
      );
    }

    expect(admitted).toHaveLength(84);
    expect(busiestWindow(admitted)).toBeLessThanOrEqual(10);
    // Paced, not starved: the busiest window still carries nearly the limit.
    expect(busiestWindow(admitted)).toBeGreaterThanOrEqual(9);
    expect(limiter.inWindow()).toBeLessThanOrEqual(10);
  });

  it('serves waiters in arrival order', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock);
    const order: number[] = [];

    await Promise.all([1, 2, 3, 4, 5].map((caller) => limiter.acquire('token-a').then(() => order.push(caller))));

    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts an empty window for a new token', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(3, clock);

    await limiter.acquire('token-a');
    await limiter.acquire('token-a');
    await limiter.acquire('token-b');

    // Only token-a's second request waited its spacing; token-b's first went out at once.
    expect(clock.slept).toEqual([KEPT_WINDOW_MS / 3]);
    expect(limiter.inWindow()).toBe(1);
  });

  it('keeps counting a replaced token for requests still made with it', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock);

    await limiter.acquire('token-a');
    await limiter.acquire('token-a');
    await limiter.acquire('token-b');
    await limiter.acquire('token-a');

    // token-a's second request waited one spacing; its third waited for its first to leave the window.
    expect(clock.slept).toEqual([KEPT_WINDOW_MS / 2, KEPT_WINDOW_MS / 2]);
  });

  it('fails with Genesys.RateLimited when the wait would exceed maxWaitMs', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1, clock);
    await limiter.acquire('token-a');
    clock.advance(15_000);

    await expect(limiter.acquire('token-a', { maxWaitMs: 5_000 })).rejects.toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: Math.ceil((KEPT_WINDOW_MS - 15_000) / 1000) });
    await expect(limiter.acquire('token-a', { maxWaitMs: 50_000 })).resolves.toBeUndefined();
  });

  it('stops waiting when the signal aborts, without blocking later callers', async () => {
    const limiter = new RateLimiter(1);
    await limiter.acquire('token-a');
    const controller = new AbortController();

    const waiting = limiter.acquire('token-a', { signal: controller.signal });
    controller.abort(new Error('invocation over'));

    await expect(waiting).rejects.toThrow('invocation over');
    await expect(limiter.acquire('token-b')).resolves.toBeUndefined();
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    expect(() => new RateLimiter(2.5)).toThrow(RangeError);
  });
  describe('the budget Genesys reports (inin-ratelimit-allowed)', () => {
    it('paces the token to a smaller reported budget, never more of it in any window, until the window resets', async () => {
      const clock = fakeClock();
      const limiter = new RateLimiter(10, clock);
      const admitted: number[] = [];
      await limiter.acquire('token-a');
      admitted.push(clock.now());
      // Genesys' answer to that request: 4 a minute for this token, its window resetting in 60 s.
      limiter.follow('token-a', 4);

      for (let request = 0; request < 8; request += 1) {
        await limiter.acquire('token-a');
        admitted.push(clock.now());
        limiter.follow('token-a', 4);
      }

      expect(limiter.limitFor('token-a')).toBe(4);
      expect(busiestWindow(admitted)).toBe(4);
      // Paced a window / 4 apart, not a window / 10.
      expect(clock.slept.every((ms) => ms >= KEPT_WINDOW_MS / 4 - 1)).toBe(true);
    });

    it('goes back to its own budget once a whole window has passed without a new report', async () => {
      const clock = fakeClock();
      const limiter = new RateLimiter(10, clock);
      limiter.follow('token-a', 4);
      clock.advance(KEPT_WINDOW_MS - 1);
      expect(limiter.limitFor('token-a')).toBe(4);

      clock.advance(1);

      expect(limiter.limitFor('token-a')).toBe(10);
    });

    it('ignores a reported budget at or above its own, and keeps a report to its token', () => {
      const limiter = new RateLimiter(300, fakeClock());
      limiter.follow('token-a', 300);
      limiter.follow('token-b', 180);

      expect(limiter.limitFor('token-a')).toBe(300);
      expect(limiter.limitFor('token-b')).toBe(180);
      expect(limiter.limitFor('token-c')).toBe(300);
    });
  });
});
