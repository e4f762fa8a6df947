/**
 * Configuration read from the environment once per execution environment, failing fast with a
 * ConfigurationError that names what is missing. template.yaml sets every variable read here.
 */
import { ConfigurationError } from './errors.js';
import { parseRouteLimits, type RouteLimits } from './genesys/routes.js';

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`environment variable ${name} is required (set by template.yaml)`);
  }
  return value.trim();
}

function positiveNumber(env: Env, name: string, fallback?: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    if (fallback !== undefined) return fallback;
    throw new ConfigurationError(`environment variable ${name} is required (set by template.yaml)`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`environment variable ${name} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A variable template.yaml always sets, possibly to ''; '' when absent. */
function optional(env: Env, name: string): string {
  return env[name]?.trim() ?? '';
}

/** One of `allowed`; the first of them when absent. */
function oneOf<T extends string>(env: Env, name: string, allowed: readonly [T, ...T[]]): T {
  const value = optional(env, name) || allowed[0];
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigurationError(`environment variable ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A positive number that only the local stack sets; `fallback` when absent. */
function optionalPositiveNumber(env: Env, name: string, fallback: number): number {
  return env[name] === undefined || env[name]?.trim() === '' ? fallback : positiveNumber(env, name);
}

/** What the dispatcher needs. */
export interface DispatcherConfig {
  stateMachineArn: string;
  idempotencyTableName: string;
  idempotencyExpirySeconds: number;
  eventsQueueUrl: string;
  deadLetterQueueUrl: string;
  /** First redelivery delay; later ones double per receive, jittered. */
  retryBaseDelaySeconds: number;
  /** Cap on a redelivery delay (SQS allows at most 12 hours of visibility). */
  retryMaxDelaySeconds: number;
  /**
   * The EventsQueue redrive policy's maxReceiveCount. On that last receive the dispatcher parks a
   * still-failing record itself, with its reason, instead of leaving SQS to move it without one.
   */
  maxReceiveCount: number;
  /**
   * The state machine's TimeoutSeconds: the longest a StartSyncExecution can run. The last receive of a
   * message another delivery is running takes the workflow over only while this much time is left.
   */
  workflowTimeoutSeconds: number;
}

/** Reads the dispatcher's configuration. */
export function readDispatcherConfig(env: Env = process.env): DispatcherConfig {
  return {
    stateMachineArn: required(env, 'STATE_MACHINE_ARN'),
    idempotencyTableName: required(env, 'IDEMPOTENCY_TABLE_NAME'),
    idempotencyExpirySeconds: positiveNumber(env, 'IDEMPOTENCY_EXPIRY_SECONDS'),
    eventsQueueUrl: required(env, 'EVENTS_QUEUE_URL'),
    deadLetterQueueUrl: required(env, 'DEAD_LETTER_QUEUE_URL'),
    retryBaseDelaySeconds: positiveNumber(env, 'RETRY_BASE_DELAY_SECONDS'),
    retryMaxDelaySeconds: Math.min(positiveNumber(env, 'RETRY_MAX_DELAY_SECONDS'), 43_200),
    maxReceiveCount: positiveNumber(env, 'MAX_RECEIVE_COUNT'),
    workflowTimeoutSeconds: positiveNumber(env, 'WORKFLOW_TIMEOUT_SECONDS'),
  };
}

const ENVIRONMENT = /^(?:[a-z0-9-]+\.)+[a-z]{2,}$/;

/** What the processor needs to reach Genesys Cloud. */
export interface ProcessorConfig {
  /** Genesys Cloud region host, e.g. `mypurecloud.com`. */
  genesysEnvironment: string;
  /** `https://login.{environment}` unless overridden (the local stack points it at the simulator). */
  loginBaseUrl: string;
  /** `https://api.{environment}` unless overridden. */
  apiBaseUrl: string;
  /** Secrets Manager secret id (ARN or name) holding `{"clientId","clientSecret"}`. */
  secretId: string;
  /** How long the secret stays cached in the execution environment. */
  secretMaxAgeSeconds: number;
  /** Requests per minute of the budget: one token's, or with scope 'client' the OAuth client's across every environment; Genesys allows 300. */
  requestsPerMinute: number;
  /**
   * Whom Genesys' limit counts: each token (each environment has its own: the budget is in its memory) or the
   * OAuth client (every environment shares one budget, held in the RateBudgetTable).
   */
  rateLimitScope: 'token' | 'client';
  /** The DynamoDB table of the shared budget; set when the scope is 'client'. */
  rateBudgetTableName?: string;
  /** Routes with a lower limit of their own, within the budget. */
  routeLimits: RouteLimits;
  /**
   * The limiter's minute in ms: 60000, as Genesys counts. Only the local stack's time scale shortens it
   * (GENESYS_RATE_LIMIT_WINDOW_MS, never set by template.yaml), to match a simulator whose minute is scaled.
   */
  rateLimitWindowMs: number;
  /** Per-request timeout towards Genesys. */
  requestTimeoutMs: number;
  /** A 429 whose Retry-After is at most this is waited out in place, once. */
  maxInPlaceRetryAfterSeconds: number;
}

/** Reads the processor's configuration. */
export function readProcessorConfig(env: Env = process.env): ProcessorConfig {
  const genesysEnvironment = required(env, 'GENESYS_ENVIRONMENT');
  if (!ENVIRONMENT.test(genesysEnvironment)) {
    throw new ConfigurationError(`GENESYS_ENVIRONMENT must be a host such as mypurecloud.com, got ${JSON.stringify(genesysEnvironment)}`);
  }
  return {
    genesysEnvironment,
    loginBaseUrl: (env.GENESYS_LOGIN_BASE_URL?.trim() || `https://login.${genesysEnvironment}`).replace(/\/$/, ''),
    apiBaseUrl: (env.GENESYS_API_BASE_URL?.trim() || `https://api.${genesysEnvironment}`).replace(/\/$/, ''),
    secretId: required(env, 'GENESYS_SECRET_ID'),
    secretMaxAgeSeconds: positiveNumber(env, 'GENESYS_SECRET_MAX_AGE_SECONDS'),
    requestsPerMinute: positiveNumber(env, 'GENESYS_REQUESTS_PER_MINUTE'),
    ...rateLimitScopeOf(oneOf(env, 'GENESYS_RATE_LIMIT_SCOPE', ['token', 'client']), optional(env, 'RATE_BUDGET_TABLE_NAME')),
    routeLimits: parseRouteLimits(optional(env, 'GENESYS_ROUTE_REQUESTS_PER_MINUTE')),
    rateLimitWindowMs: optionalPositiveNumber(env, 'GENESYS_RATE_LIMIT_WINDOW_MS', 60_000),
    requestTimeoutMs: positiveNumber(env, 'GENESYS_REQUEST_TIMEOUT_MS'),
    maxInPlaceRetryAfterSeconds: positiveNumber(env, 'GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS'),
  };
}

/** The scope, and for 'client' the table that holds the shared budget (template.yaml sets it only then). */
function rateLimitScopeOf(scope: 'token' | 'client', tableName: string): Pick<ProcessorConfig, 'rateLimitScope' | 'rateBudgetTableName'> {
  if (scope === 'token') return { rateLimitScope: 'token' };
  if (tableName === '') throw new ConfigurationError("environment variable RATE_BUDGET_TABLE_NAME is required when GENESYS_RATE_LIMIT_SCOPE is 'client' (set by template.yaml)");
  return { rateLimitScope: 'client', rateBudgetTableName: tableName };
}
