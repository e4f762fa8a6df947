/**
 * What the client asks of a rate budget before each request, and the budget per token: one limiter for the
 * token's scope and one per route that has a lower limit of its own, in this execution environment's memory.
 */
import { RateLimiter, systemClock, type AcquireOptions, type Clock } from './rate-limiter.js';
import type { RouteLimits, RouteName } from './routes.js';

/** One request as a budget sees it: the token it goes with and the route it calls. */
export interface BudgetedRequest {
  token: string;
  route: RouteName;
}

/** Where the client gets leave to send: the budget per token (here) or per OAuth client (shared-budget.ts). */
export interface RequestBudget {
  /**
   * Waits until `request` may be sent.
   * @throws GenesysRateLimited when the wait would exceed `maxWaitMs`; the signal's reason when it aborts.
   */
  acquire(request: BudgetedRequest, options?: Pick<AcquireOptions, 'maxWaitMs' | 'signal'>): Promise<void>;
  /** Genesys answered 429 with Retry-After: nothing more on this request's budget for `ms`. */
  holdOff(request: BudgetedRequest, ms: number): Promise<void>;
  /** Genesys reported `allowed` requests a minute on this request's budget (`inin-ratelimit-allowed`). */
  follow(request: BudgetedRequest, allowed: number): Promise<void>;
}

/**
 * Genesys counts per token, and the token belongs to this execution environment, so in-memory limiters are
 * exact without coordination. A route with a limit of its own waits in its own queue and takes the token's
 * slot while holding its turn, so it never holds up requests to other routes. What Genesys reports on a
 * route's answer or its 429 applies to that route, not to the token's other requests.
 */
export class TokenBudget implements RequestBudget {
  readonly #routes = new Map<RouteName, RateLimiter>();
  readonly #clock: Clock;

  constructor(
    readonly scope: RateLimiter,
    routeLimits: RouteLimits = {},
    clock: Clock = systemClock,
    windowMs?: number,
  ) {
    this.#clock = clock;
    for (const [route, perMinute] of Object.entries(routeLimits) as [RouteName, number][]) this.#routes.set(route, new RateLimiter(perMinute, clock, windowMs));
  }

  acquire(request: BudgetedRequest, options: Pick<AcquireOptions, 'maxWaitMs' | 'signal'> = {}): Promise<void> {
    const route = this.#routes.get(request.route);
    if (route === undefined) return this.scope.acquire(request.token, options);
    const started = this.#clock.now();
    const left = (): number | undefined => (options.maxWaitMs === undefined ? undefined : Math.max(0, options.maxWaitMs - (this.#clock.now() - started)));
    return route.acquire(request.token, { ...options, andThen: () => this.scope.acquire(request.token, { signal: options.signal, maxWaitMs: left() }) });
  }

  async holdOff(request: BudgetedRequest, ms: number): Promise<void> {
    (this.#routes.get(request.route) ?? this.scope).holdOff(request.token, ms);
  }

  async follow(request: BudgetedRequest, allowed: number): Promise<void> {
    (this.#routes.get(request.route) ?? this.scope).follow(request.token, allowed);
  }

  /** The limiter of a route with a limit of its own (for tests and metrics). */
  routeLimiter(route: RouteName): RateLimiter | undefined {
    return this.#routes.get(route);
  }
}
