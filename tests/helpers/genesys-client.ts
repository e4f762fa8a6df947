/** The Genesys client under test, wired to a scripted simulator (genesys-server.ts), and the clocks tests drive it with. */
import { TokenBudget } from '../../functions/shared/genesys/budget.js';
import { GenesysClient } from '../../functions/shared/genesys/client.js';
import { RateLimiter, systemClock, type Clock } from '../../functions/shared/genesys/rate-limiter.js';
import type { RouteLimits } from '../../functions/shared/genesys/routes.js';
import { TokenProvider } from '../../functions/shared/genesys/token.js';

/** The OAuth client the test stacks log in with. */
export const TEST_CREDENTIALS = { clientId: 'test-client-id', clientSecret: 'test-client-secret-value' };

/** What a test may vary in a client stack. */
export interface TestClientOptions {
  requestTimeoutMs?: number;
  maxInPlaceRetryAfterSeconds?: number;
  requestsPerMinute?: number;
  routeLimits?: RouteLimits;
  clock?: Clock;
  now?: () => number;
}

/** A GenesysClient wired to `server` (its `url`) for login and API, with its token provider, its per-token budget and that budget's token limiter. */
export function clientFor(server: { url: string }, options: TestClientOptions = {}): { client: GenesysClient; tokens: TokenProvider; limiter: RateLimiter; budget: TokenBudget } {
  const clock = options.clock ?? systemClock;
  const requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
  const tokens = new TokenProvider({
    loginBaseUrl: server.url,
    credentials: async () => TEST_CREDENTIALS,
    requestTimeoutMs,
    now: options.now ?? (() => clock.now()),
  });
  const limiter = new RateLimiter(options.requestsPerMinute ?? 300, clock);
  const budget = new TokenBudget(limiter, options.routeLimits, clock);
  const client = new GenesysClient({
    apiBaseUrl: server.url,
    tokens,
    budget,
    requestTimeoutMs,
    maxInPlaceRetryAfterSeconds: options.maxInPlaceRetryAfterSeconds ?? 5,
    clock,
  });
  return { client, tokens, limiter, budget };
}

/** A clock whose sleep returns at once and records what it was asked to wait; time is real. */
export function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  let sleptMs = 0;
  // Time moves on by what was slept, without waiting for it.
  return {
    slept,
    now: () => Date.now() + sleptMs,
    sleep: async (ms) => {
      slept.push(ms);
      sleptMs += ms;
    },
  };
}

/** A clock that stands still but for what it is asked to sleep, which returns at once: waits are exact. */
export function frozenClock(start = Date.parse('2026-01-05T10:00:00.000Z')): Clock & { slept: number[] } {
  const slept: number[] = [];
  let now = start;
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
