/**
 * OAuth client-credentials for Genesys Cloud, cached in the execution environment.
 * Genesys issues no refresh token: a new login replaces an expiring or refused token.
 * https://developer.genesys.cloud/authorization/platform-auth/use-client-credentials
 */
import { GenesysRateLimited, GenesysUnauthorized, GenesysUnavailable } from '../errors.js';
import type { CredentialsSource } from './credentials.js';
import { MetricName, MetricUnit, type MetricsSink } from '../metrics-sink.js';
import { messageOf, requestIdOf, retryAfterSeconds, tryParseJson, unavailableFrom } from './http.js';

/** Where tokens come from; the Genesys client depends on this and nothing else of this module. */
export interface TokenSource {
  /** A valid access token, from the cache or from one shared login. */
  getToken(): Promise<string>;
  /** Forgets `token` (Genesys answered 401 with it); a token already replaced is left alone. */
  invalidate(token: string): void;
}

/** Options of a TokenProvider. */
export interface TokenProviderOptions {
  /** `https://login.{environment}` or the simulator. */
  loginBaseUrl: string;
  credentials: CredentialsSource;
  /** Timeout of one token request. */
  requestTimeoutMs: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Counts every token request (metric GenesysTokenRequests). */
  metrics?: MetricsSink;
}

interface CachedToken {
  value: string;
  /** When to stop using it: shortly before Genesys' expiry. */
  refreshAt: number;
}

/** Refresh this long before expiry: 60 s, or 10% of a short-lived token's lifetime. */
export function refreshMarginMs(expiresInSeconds: number): number {
  return Math.min(60_000, expiresInSeconds * 100);
}

/** Client-credentials tokens, cached until shortly before expiry; concurrent callers share one login. */
export class TokenProvider implements TokenSource {
  readonly #options: TokenProviderOptions;
  readonly #now: () => number;
  #cached?: CachedToken;
  #inFlight?: Promise<string>;
  #requests = 0;
  /** After a 429 from the token endpoint: no login before this time (its Retry-After). */
  #loginNotBefore = 0;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Token requests made by this provider (successful or not), for metrics and the bench. */
  get requestCount(): number {
    return this.#requests;
  }

  /**
   * A valid token.
   * @throws GenesysUnauthorized (400/401/403: the client is refused), GenesysRateLimited (429), GenesysUnavailable.
   */
  async getToken(): Promise<string> {
    if (this.#cached !== undefined && this.#now() < this.#cached.refreshAt) return this.#cached.value;
    this.#inFlight ??= this.#login().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  async #login(): Promise<string> {
    const waitMs = this.#loginNotBefore - this.#now();
    if (waitMs > 0) {
      throw new GenesysRateLimited('Genesys token request held back: the token endpoint asked to wait', { retryAfterSeconds: Math.ceil(waitMs / 1000) });
    }
    const { clientId, clientSecret } = await this.#options.credentials();
    const url = `${this.#options.loginBaseUrl}/oauth/token`;
    const what = 'Genesys token request';
    const requestedAt = this.#now();
    this.#requests += 1;
    this.#options.metrics?.addMetric(MetricName.GenesysTokenRequests, MetricUnit.Count, 1);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw unavailableFrom(error, what, this.#options.requestTimeoutMs);
    }
    const body = tryParseJson(text);
    const context = { status: response.status, requestId: requestIdOf(response.headers, body) };
    const detail = messageOf(body) ?? (typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined);
    const suffix = typeof detail === 'string' && detail !== '' ? `: ${detail}` : '';

    if (response.ok) return this.#accept(body, requestedAt, context);
    if ([400, 401, 403].includes(response.status)) {
      throw new GenesysUnauthorized(`${what} refused the OAuth client (${response.status})${suffix}`, context);
    }
    if (response.status === 429) {
      const retryAfter = retryAfterSeconds(response.headers);
      if (retryAfter !== undefined) this.#loginNotBefore = this.#now() + retryAfter * 1000;
      throw new GenesysRateLimited(`${what} rate limited (429)`, { ...context, retryAfterSeconds: retryAfter });
    }
    throw new GenesysUnavailable(`${what} answered ${response.status}${suffix}`, context);
  }

  #accept(body: unknown, requestedAt: number, context: { status: number; requestId?: string }): string {
    const { access_token: accessToken, expires_in: expiresIn } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new GenesysUnavailable('Genesys token request answered without access_token and expires_in', context);
    }
    // Expiry counts from when the request left, so network time only shortens the token's use.
    this.#cached = { value: accessToken, refreshAt: requestedAt + expiresIn * 1000 - refreshMarginMs(expiresIn) };
    return accessToken;
  }
}
