/**
 * The Genesys Cloud client, assembled from configuration: credentials from Secrets Manager, a cached
 * token, a per-token rate limiter and the API client. Build it once per execution environment.
 */
import type { ProcessorConfig } from '../config.js';
import type { MetricsSink } from '../metrics-sink.js';
import { GenesysClient, type ClientLogger } from './client.js';
import { secretCredentials, type SecretSource } from './credentials.js';
import { RateLimiter, systemClock, type Clock } from './rate-limiter.js';
import { TokenProvider } from './token.js';

export * from './client.js';
export * from './credentials.js';
export * from './rate-limiter.js';
export * from './token.js';

/** The parts of one assembled client; `tokens` and `limiter` are exposed for metrics. */
export interface GenesysStack {
  client: GenesysClient;
  tokens: TokenProvider;
  limiter: RateLimiter;
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
  const limiter = new RateLimiter(config.requestsPerMinute, clock, config.rateLimitWindowMs);
  const client = new GenesysClient({
    apiBaseUrl: config.apiBaseUrl,
    tokens,
    limiter,
    requestTimeoutMs: config.requestTimeoutMs,
    maxInPlaceRetryAfterSeconds: config.maxInPlaceRetryAfterSeconds,
    clock,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  return { client, tokens, limiter };
}
