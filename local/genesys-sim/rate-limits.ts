/**
 * Genesys' rate limits, each a rolling window: API requests per token or per OAuth client (`rateLimitScope`),
 * lower limits of single resources within that, token requests per client; and the Retry-After a 429 holds
 * its key to. https://developer.genesys.cloud/platform/api/rate-limits
 */
import { RollingWindow, toRetryAfterSeconds, type WindowDecision } from './rolling-window.js';
import { MINUTE_MS, type SimulatorSettings } from './settings.js';

/** A request let through, with the `inin-ratelimit-*` headers its answer carries. */
export interface Allowed {
  allowed: true;
  headers: Record<string, string>;
}

/** A request refused 429: the Retry-After it names (real seconds) and the headers its answer carries. */
export interface Refused {
  allowed: false;
  seconds: number;
  headers: Record<string, string>;
}

/** An API request's admission; `early` when its token sent it before an earlier 429's Retry-After had passed. */
export type ApiAdmission = (Allowed | Refused) & { early: boolean };

function headersOf(decision: WindowDecision, reported: boolean): Record<string, string> {
  if (!reported) return {};
  return {
    'inin-ratelimit-count': String(decision.count),
    'inin-ratelimit-allowed': String(decision.limit),
    'inin-ratelimit-reset': String(toRetryAfterSeconds(decision.resetMs)),
  };
}

/** Who sent an API request, and to which route (`PATCH /api/v2/conversations/{conversationId}/...`). */
export interface ApiCaller {
  tokenLabel: string;
  clientId: string;
  route: string;
}

/** The windows and the holds, on the simulator's clock; `apply` follows the settings. */
export class RateLimits {
  private readonly api: RollingWindow;
  private readonly logins: RollingWindow;
  /** Per key (token label, client): until when (epoch ms) the last 429 told its holder to wait. */
  private readonly heldUntil = new Map<string, number>();
  private fixedRetryAfterSeconds: number | undefined;
  private reportHeaders = true;
  private scope: SimulatorSettings['rateLimitScope'] = 'token';
  private resourceLimits: Readonly<Record<string, number>> = {};
  private countRefused = false;

  constructor(private readonly clock: () => number) {
    this.api = new RollingWindow(0, MINUTE_MS, clock);
    this.logins = new RollingWindow(0, MINUTE_MS, clock);
  }

  /** Takes the limits, the scaled minute and the fixed Retry-After from the settings. */
  apply(settings: SimulatorSettings): void {
    this.api.limit = settings.requestsPerMinute;
    this.logins.limit = settings.tokenRequestsPerMinute;
    this.api.windowMs = MINUTE_MS / settings.timeScale;
    this.logins.windowMs = MINUTE_MS / settings.timeScale;
    this.fixedRetryAfterSeconds = settings.retryAfterSeconds;
    this.reportHeaders = settings.rateLimitHeaders;
    this.scope = settings.rateLimitScope;
    this.resourceLimits = settings.resourceLimits;
    this.countRefused = settings.countRefused;
  }

  /** A token request by this client against its window. */
  admitLogin(clientId: string): Allowed | Refused {
    return this.admit(this.logins.take(clientId), `client ${clientId}`);
  }

  /**
   * An API request against the budget of its token or client, and of its route where that has a limit of its
   * own: allowed only when both have room, and then counted in both; a refusal is counted too when
   * `countRefused` is on. The answer reports the route's budget where it has one, else the scope's. With a
   * fixed Retry-After, Genesys holds the key to it: a request before it has passed is refused whatever the
   * window says.
   */
  admitApi(caller: ApiCaller): ApiAdmission {
    const key = this.scope === 'client' ? `client ${caller.clientId}` : caller.tokenLabel;
    const until = this.heldUntil.get(key);
    const heldMs = until === undefined ? 0 : until - this.clock();
    const early = heldMs > 0;
    if (early && this.fixedRetryAfterSeconds !== undefined) {
      const held: WindowDecision = { allowed: false, count: this.api.limit, limit: this.api.limit, retryAfterMs: heldMs, resetMs: heldMs };
      if (this.countRefused) this.api.count(key);
      return { early, ...this.refuse(held, key, toRetryAfterSeconds(heldMs)) };
    }
    const routeLimit = this.resourceLimits[caller.route];
    const routeKey = `${key} ${caller.route}`;
    const scopeDecision = this.api.peek(key);
    const routeDecision = routeLimit === undefined ? undefined : this.api.peek(routeKey, routeLimit);
    const refusal = [routeDecision, scopeDecision].find((decision) => decision !== undefined && !decision.allowed);
    if (refusal === undefined || this.countRefused) {
      const counted = this.api.count(key);
      const countedRoute = routeLimit === undefined ? undefined : this.api.count(routeKey, routeLimit);
      if (refusal === undefined) return { early, ...this.admit(countedRoute ?? counted, key) };
    }
    return { early, ...this.refuse(refusal as WindowDecision, key) };
  }

  private admit(decision: WindowDecision, key: string): Allowed | Refused {
    return decision.allowed ? { allowed: true, headers: headersOf(decision, this.reportHeaders) } : this.refuse(decision, key);
  }

  /** The Retry-After: the time until a slot frees, or the fixed one; a fresh 429 holds the key to it. */
  private refuse(decision: WindowDecision, key: string, heldSeconds?: number): Refused {
    const fixed = this.fixedRetryAfterSeconds;
    const seconds = heldSeconds ?? (fixed === undefined ? toRetryAfterSeconds(decision.retryAfterMs) : Math.ceil(fixed));
    if (heldSeconds === undefined) this.heldUntil.set(key, this.clock() + seconds * 1000);
    return { allowed: false, seconds, headers: { ...headersOf(decision, this.reportHeaders), 'retry-after': String(seconds) } };
  }
}
