/** The per-token budget with per-route limits: a slow route is paced to its own limit and holds up nothing else. */
import { TokenBudget } from '../../functions/shared/genesys/budget.js';
import { RateLimiter, WINDOW_MARGIN, WINDOW_MS, type Clock } from '../../functions/shared/genesys/rate-limiter.js';
import { Route } from '../../functions/shared/genesys/routes.js';

const KEPT_WINDOW_MS = WINDOW_MS * (1 + WINDOW_MARGIN);
const TOKEN = 'token-a';
const TAG = { token: TOKEN, route: Route.putConversationTags };
const READ = { token: TOKEN, route: Route.getConversation };

/** A clock on which sleepers wake in time order: each sleep waits for the clock to reach its end. */
function virtualClock(start = 1_000_000): Clock & { runUntilIdle(): Promise<void> } {
  let now = start;
  const sleepers: { until: number; wake(): void }[] = [];
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        sleepers.push({ until: now + ms, wake: resolve });
      }),
    async runUntilIdle() {
      for (;;) {
        for (let i = 0; i < 5; i += 1) await settle();
        if (sleepers.length === 0) return;
        sleepers.sort((a, b) => a.until - b.until);
        const next = sleepers.shift()!;
        now = Math.max(now, next.until);
        next.wake();
      }
    },
  };
}

function budget(clock: Clock, perMinute = 60, tagsPerMinute = 6): TokenBudget {
  return new TokenBudget(new RateLimiter(perMinute, clock), { [Route.putConversationTags]: tagsPerMinute }, clock);
}

/** Sends `count` requests of each kind at once and returns when each was let go. */
async function letGo(clock: ReturnType<typeof virtualClock>, limits: TokenBudget, requests: { token: string; route: typeof Route.getConversation | typeof Route.putConversationTags }[]) {
  const times: { route: string; at: number }[] = [];
  const all = Promise.all(requests.map((request) => limits.acquire(request).then(() => times.push({ route: request.route, at: clock.now() }))));
  await clock.runUntilIdle();
  await all;
  return times;
}

function busiestWindow(times: number[]): number {
  return Math.max(0, ...times.map((end) => times.filter((time) => time > end - WINDOW_MS && time <= end).length));
}

describe('TokenBudget: per-route limits within the token budget', () => {
  it('paces a route to its own limit and lets the other routes go at the token pace meanwhile', async () => {
    const clock = virtualClock();
    const limits = budget(clock);
    const times = await letGo(clock, limits, [...Array(4).fill(TAG), ...Array(8).fill(READ)]);
    const tags = times.filter((time) => time.route === TAG.route).map((time) => time.at);
    const reads = times.filter((time) => time.route === READ.route).map((time) => time.at);

    expect(tags.slice(1).map((at, i) => at - (tags[i] as number)).every((gap) => gap >= KEPT_WINDOW_MS / 6)).toBe(true);
    // The 8 reads are done in 8 token spacings (plus the first tag's): the tags' long waits held none of them up.
    expect(Math.max(...reads) - 1_000_000).toBeLessThanOrEqual(9 * (KEPT_WINDOW_MS / 60));
  });

  it('holds the route to its limit and the token to its own in every window, with reads competing for the token', async () => {
    const clock = virtualClock();
    const limits = budget(clock, 20, 6);
    const times = await letGo(clock, limits, [...Array(14).fill(TAG), ...Array(40).fill(READ)]);
    const tags = times.filter((time) => time.route === TAG.route).map((time) => time.at);

    expect(times).toHaveLength(54);
    expect(busiestWindow(tags)).toBeLessThanOrEqual(6);
    expect(busiestWindow(times.map((time) => time.at))).toBeLessThanOrEqual(20);
  });

  it('applies what Genesys reports on a route answer to the route, not to the token', async () => {
    const clock = virtualClock();
    const limits = budget(clock, 60, 6);
    await limits.follow(TAG, 2);
    await limits.holdOff(TAG, 30_000);
    expect(limits.routeLimiter(Route.putConversationTags)?.limitFor(TOKEN)).toBe(2);
    expect(limits.scope.limitFor(TOKEN)).toBe(60);
    const times = await letGo(clock, limits, [READ, READ]);
    expect(Math.max(...times.map((time) => time.at)) - 1_000_000).toBeLessThan(30_000);
  });
});
