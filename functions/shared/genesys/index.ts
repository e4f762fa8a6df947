/**
 * The Genesys Cloud client, assembled from configuration: credentials from Secrets Manager, a cached
 * token, the rate budget of the configured scope (per token, or per OAuth client shared through DynamoDB)
 * and the API client. Build it once per execution environment.
 */
import type { ProcessorConfig } from '../config.js';
import type { MetricsSink } from '../metrics-sink.js';
import { GenesysClient, type ClientLogger } from './client.js';
import { secretCredentials, type SecretSource } from './credentials.js';
import { TokenBudget, type RequestBudget } from './budget.js';
import { RateLimiter, systemClock, type Clock } from './rate-limiter.js';
import { SharedBudget } from './shared-budget.js';
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

/** The budget of the configured scope. */
function budgetFor(config: ProcessorConfig, clock: Clock, metrics?: MetricsSink): RequestBudget {
  const { requestsPerMinute, routeLimits, rateLimitWindowMs: windowMs } = config;
  if (config.rateLimitScope === 'token') return new TokenBudget(new RateLimiter(requestsPerMinute, clock, windowMs), routeLimits, clock, windowMs);
  // Built at init only with this scope: its table client (and the SDK's DynamoDB module) load then, never with the other.
  return new SharedBudget({ tableName: config.rateBudgetTableName as string, requestsPerMinute, routeLimits, clock, windowMs, metrics });
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
