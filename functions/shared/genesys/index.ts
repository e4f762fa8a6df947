/**
 * The Genesys Cloud client, assembled from configuration: credentials from Secrets Manager, a cached
 * token, the rate budget of the configured scope (per token, or per OAuth client shared through DynamoDB)
 * and the API client. Build it once per execution environment.
 */
import type { ProcessorConfig } from '../config.js';
import type { MetricsSink } from '../metrics-sink.js';
import { GenesysClient, type ClientLogger } from './client.js';
import { secretCredentials, type SecretSource } from './credentials.js';
import { TokenBudget, type BudgetedRequest, type RequestBudget } from './budget.js';
import { RateLimiter, systemClock, type Clock } from './rate-limiter.js';
import type { SharedBudget, SharedBudgetOptions } from './shared-budget.js';
import { TokenProvider } from './token.js';

export * from './budget.js';
export * from './client.js';
export * from './credentials.js';
export * from './rate-limiter.js';
export * from './routes.js';
export * from './token.js';

/** The parts of one assembled client; `tokens` and `budget` are exposed for metrics and tests. */
export interface GenesysStack {
  client: GenesysClient;
  tokens: TokenProvider;
  budget: RequestBudget;
}

/**
 * The per-client budget, its module (and the DynamoDB client it brings) loaded on first use: a deployment with the
 * per-token scope never initialises it, so its cold start does not pay for it.
 */
function lazySharedBudget(options: SharedBudgetOptions): RequestBudget {
  let loaded: Promise<SharedBudget> | undefined;
  const budget = (): Promise<SharedBudget> => (loaded ??= import('./shared-budget.js').then(({ SharedBudget }) => new SharedBudget(options)));
  return {
    acquire: async (request: BudgetedRequest, acquireOptions) => (await budget()).acquire(request, acquireOptions),
    holdOff: async (request: BudgetedRequest, ms: number) => (await budget()).holdOff(request, ms),
    follow: async (request: BudgetedRequest, allowed: number) => (await budget()).follow(request, allowed),
  };
}

/** The budget of the configured scope. */
function budgetFor(config: ProcessorConfig, clock: Clock, metrics?: MetricsSink): RequestBudget {
  const { requestsPerMinute, routeLimits, rateLimitWindowMs: windowMs } = config;
  if (config.rateLimitScope === 'token') return new TokenBudget(new RateLimiter(requestsPerMinute, clock, windowMs), routeLimits, clock, windowMs);
  return lazySharedBudget({ tableName: config.rateBudgetTableName as string, requestsPerMinute, routeLimits, clock, windowMs, metrics });
}

/** Builds a GenesysClient for `config`, reading the OAuth client from `secrets`. */
export function createGenesys(
  config: ProcessorConfig,
  deps: { secrets: SecretSource; logger?: ClientLogger; clock?: Clock; metrics?: MetricsSink },
): GenesysStack {
  const clock = deps.clock ?? systemClock;
  const tokens = new TokenProvider({
    loginBaseUrl: config.loginBaseUrl,
    credentials: secretCredentials(deps.secrets, config.secretId, config.secretMaxAgeSeconds),
    requestTimeoutMs: config.requestTimeoutMs,
    now: () => clock.now(),
    metrics: deps.metrics,
  });
  const budget = budgetFor(config, clock, deps.metrics);
  const client = new GenesysClient({
    apiBaseUrl: config.apiBaseUrl,
    tokens,
    budget,
    requestTimeoutMs: config.requestTimeoutMs,
    maxInPlaceRetryAfterSeconds: config.maxInPlaceRetryAfterSeconds,
    clock,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  return { client, tokens, budget };
}
