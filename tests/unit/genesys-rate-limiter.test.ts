import { ErrorName } from '../../functions/shared/errors.js';
import { RateLimiter, WINDOW_MS, type Clock } from '../../functions/shared/genesys/rate-limiter.js';

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
  it('admits N requests at once, then waits for the oldest to leave the window', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(5, clock);
    const start = clock.now();

    for (let request = 0; request < 5; request += 1) await limiter.acquire('token-a');
    expect(clock.slept).toEqual([]);
    await limiter.acquire('token-a');

    expect(clock.now()).toBe(start + WINDOW_MS);
    expect(clock.slept).toEqual([WINDOW_MS]);
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
    expect(busiestWindow(admitted)).toBe(10);
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

    for (let request = 0; request < 3; request += 1) await limiter.acquire('token-a');
    for (let request = 0; request < 3; request += 1) await limiter.acquire('token-b');

    expect(clock.slept).toEqual([]);
    expect(limiter.inWindow()).toBe(3);
  });

  it('keeps counting a replaced token for requests still made with it', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock);

    await limiter.acquire('token-a');
    await limiter.acquire('token-a');
    await limiter.acquire('token-b');
    await limiter.acquire('token-a');

    expect(clock.slept).toEqual([WINDOW_MS]);
  });

  it('fails with Genesys.RateLimited when the wait would exceed maxWaitMs', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1, clock);
    await limiter.acquire('token-a');
    clock.advance(15_000);

    await expect(limiter.acquire('token-a', { maxWaitMs: 5_000 })).rejects.toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: 45 });
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
});
