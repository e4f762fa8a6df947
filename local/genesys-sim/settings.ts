/** The simulator's adjustable behaviour: what each setting means, its default, and the checks a change must pass. */
import { randomBytes, randomUUID } from 'node:crypto';

/** The rate-limit minute before `timeScale` shrinks it. */
export const MINUTE_MS = 60_000;

/** An OAuth client the token endpoint accepts. */
export interface SimulatorClient {
  clientId: string;
  clientSecret: string;
}

/** A fixed delay, or one drawn uniformly from [min, max] per request. */
export type Latency = number | { min: number; max: number };

/** Behaviour that can change while the simulator runs (see `configure`). */
export interface SimulatorSettings {
  /** API requests one token (or, with `rateLimitScope` 'client', one OAuth client) may make per (scaled) minute. Genesys: 300. */
  requestsPerMinute: number;
  /**
   * Whom `requestsPerMinute` counts: each token ('token', as Genesys' limits page reads) or every token of one
   * OAuth client together ('client', as some of Genesys' forum answers read it).
   */
  rateLimitScope: 'token' | 'client';
  /**
   * Lower limits of single routes within the scope's budget, per (scaled) minute, keyed by route as the processor
   * names it: `PUT /api/v2/flows/datatables/{datatableId}/rows/{key}`. A request counts against both.
   */
  resourceLimits: Readonly<Record<string, number>>;
  /** Whether a request answered 429 counts against the window (a client that keeps asking stays locked out). Default off. */
  countRefused: boolean;
  /** Token requests one client may make per (scaled) minute. Genesys: 300. */
  tokenRequestsPerMinute: number;
  /** Speed-up of the rate-limit minute: windows last 60000 / timeScale ms. */
  timeScale: number;
  /** `expires_in` of new tokens, in (real) seconds. */
  tokenExpiresIn: number;
  /** Share of authenticated API requests answered with one of `faultStatuses`, drawn from the seed. */
  faultRate: number;
  faultStatuses: number[];
  /** Delay before an authenticated API request is answered. */
  latencyMs: Latency;
  /** Share of authenticated API requests that hang for `timeoutMs`, then have their connection closed unanswered. */
  timeoutRate: number;
  timeoutMs: number;
  /** Every API request answered 503 (the token endpoint has its own switch: `setTokenEndpoint`). */
  down: boolean;
  /** Conversations answered 403. */
  forbiddenConversations: ReadonlySet<string>;
  /**
   * Whether answers carry `inin-ratelimit-count/allowed/reset`, as Genesys' do. Off, a client cannot see the
   * budget coming and meets it as 429s (the fault suite's Retry-After storm).
   */
  rateLimitHeaders: boolean;
  /**
   * When set, a 429 names this Retry-After (real seconds) instead of the time until a slot frees, and
   * Genesys holds the token to it: every request with that token is answered 429 until it has passed.
   * `configure({retryAfterSeconds: 0})` turns it off.
   */
  retryAfterSeconds?: number;
}

/** A change of settings: any of them, the forbidden conversations as any list of ids. */
export type SettingsPatch = Partial<Omit<SimulatorSettings, 'forbiddenConversations'>> & { forbiddenConversations?: Iterable<string> };

/** Genesys' own figures (docs/design.md), and no trouble. */
export function defaultSettings(): SimulatorSettings {
  return {
    requestsPerMinute: 300,
    rateLimitScope: 'token',
    resourceLimits: {},
    countRefused: false,
    tokenRequestsPerMinute: 300,
    timeScale: 1,
    tokenExpiresIn: 86_399,
    faultRate: 0,
    faultStatuses: [500, 502, 503, 504],
    latencyMs: 0,
    timeoutRate: 0,
    timeoutMs: 30_000,
    down: false,
    forbiddenConversations: new Set(),
    rateLimitHeaders: true,
  };
}

function checkRate(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
}

function check(settings: SimulatorSettings): void {
  checkPositive('requestsPerMinute', settings.requestsPerMinute);
  checkPositive('tokenRequestsPerMinute', settings.tokenRequestsPerMinute);
  if (settings.rateLimitScope !== 'token' && settings.rateLimitScope !== 'client') throw new RangeError(`rateLimitScope must be 'token' or 'client', got ${String(settings.rateLimitScope)}`);
  for (const [route, limit] of Object.entries(settings.resourceLimits)) {
    if (!/^(GET|PUT|POST|PATCH|DELETE) \/api\/v2\//.test(route)) throw new RangeError(`resourceLimits: ${JSON.stringify(route)} is not a route such as 'PUT /api/v2/...'`);
    checkPositive(`resourceLimits[${route}]`, limit);
  }
  checkPositive('timeScale', settings.timeScale);
  checkPositive('tokenExpiresIn', settings.tokenExpiresIn);
  checkRate('faultRate', settings.faultRate);
  if (settings.retryAfterSeconds !== undefined) checkPositive('retryAfterSeconds', settings.retryAfterSeconds);
  checkRate('timeoutRate', settings.timeoutRate);
  if (settings.faultStatuses.length === 0) throw new RangeError('faultStatuses must name at least one status');
  const latency = typeof settings.latencyMs === 'number' ? { min: settings.latencyMs, max: settings.latencyMs } : settings.latencyMs;
  if (!(latency.min >= 0 && latency.max >= latency.min)) throw new RangeError('latencyMs must be ≥ 0 (and min ≤ max)');
}

/** `current` changed by `patch` (undefined values leave a setting as it is); throws a RangeError for a value out of range. */
export function patchSettings(current: SimulatorSettings, patch: SettingsPatch): SimulatorSettings {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as SettingsPatch;
  const { forbiddenConversations, ...rest } = defined;
  const next: SimulatorSettings = {
    ...current,
    ...rest,
    forbiddenConversations: forbiddenConversations === undefined ? current.forbiddenConversations : new Set(forbiddenConversations),
  };
  // 0 turns a fixed Retry-After off again (undefined values are skipped above).
  if (next.retryAfterSeconds === 0) delete next.retryAfterSeconds;
  check(next);
  return next;
}

/** The clients to accept: copies of the given ones, or one with a random UUID id and a random secret. */
export function clientsOf(clients: readonly SimulatorClient[] | undefined): SimulatorClient[] {
  const accepted = clients?.map((client) => ({ ...client })) ?? [{ clientId: randomUUID(), clientSecret: randomBytes(24).toString('base64url') }];
  if (accepted.length === 0) throw new RangeError('clients must name at least one client');
  return accepted;
}
