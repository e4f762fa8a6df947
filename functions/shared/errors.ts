/**
 * The pipeline's error vocabulary. Each name is a stable string shared by the code, the state
 * machine's Retry/Catch clauses and the DLQ's `errorName` attribute; `tests/unit/invariants.test.ts`
 * keeps the ASL and this module in step.
 *
 * Every class sets a literal `name`: esbuild's minifier renames classes, so `constructor.name`
 * cannot be trusted in a bundle.
 */

/** Error names, as they appear in the ASL, in Step Functions' `error` field and on parked messages. */
export const ErrorName = {
  InvalidEvent: 'InvalidEvent',
  RateLimited: 'Genesys.RateLimited',
  Unavailable: 'Genesys.Unavailable',
  Unauthorized: 'Genesys.Unauthorized',
  Forbidden: 'Genesys.Forbidden',
  NotFound: 'Genesys.NotFound',
  BadRequest: 'Genesys.BadRequest',
  Configuration: 'ConfigurationError',
} as const;

export type ErrorNameValue = (typeof ErrorName)[keyof typeof ErrorName];

/** Errors the state machine retries in place before giving up (must each have a Retrier in the ASL). */
export const WORKFLOW_RETRIED_ERRORS: readonly string[] = [
  ErrorName.RateLimited,
  ErrorName.Unavailable,
  ErrorName.NotFound,
];

/**
 * Our errors that a later receive can fix: Genesys (or its token endpoint) unavailable or refusing for
 * now, credentials or configuration being fixed. `Genesys.NotFound` is not: the workflow has already
 * retried it for eventual consistency.
 */
export const REDELIVERED_ERRORS: readonly string[] = [
  ErrorName.RateLimited,
  ErrorName.Unavailable,
  ErrorName.Unauthorized,
  ErrorName.Configuration,
];

/**
 * Lambda and Step Functions errors of a workflow that a later attempt can fix: the service failing or
 * throttling, a sandbox that timed out or died, a function being deployed. AWS recommends retrying the
 * Lambda ones (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 */
export const TRANSIENT_PLATFORM_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'Lambda.ResourceNotFoundException',
  'Lambda.ResourceConflictException',
  'States.Timeout',
  'States.Permissions',
  'Sandbox.Timedout',
  // middy's early timeout, 5 ms before the processor's Lambda deadline, throws an Error named TimeoutError.
  'TimeoutError',
];

/** Lambda runtime errors (`Runtime.ExitError`, `Runtime.ImportModuleError`, ...): a crash or a deploy, never the event. */
const RUNTIME_ERROR_PREFIX = 'Runtime.';

/**
 * Whether a workflow that failed with `errorName` should go back to SQS for another receive (true) or
 * straight to the DLQ. Only names known to be transient come back: anything else (InvalidEvent, a 4xx
 * from Genesys, `States.Runtime`, a TypeError of a bug) fails the same way on every receive, so each
 * further receive would only cost a Genesys request and half an hour before the park.
 */
export function isRedeliverable(errorName: string): boolean {
  return REDELIVERED_ERRORS.includes(errorName) || TRANSIENT_PLATFORM_ERRORS.includes(errorName) || errorName.startsWith(RUNTIME_ERROR_PREFIX);
}

/** How a message says how long Genesys asked to wait; the dispatcher reads it back from a failed workflow's cause. */
export function retryAfterText(seconds: number): string {
  return `retry after ${seconds} s`;
}

/** The seconds a message names with {@link retryAfterText}; undefined when it names none. */
export function retryAfterOf(message: string | undefined): number | undefined {
  const match = /\bretry after (\d+(?:\.\d+)?) s\b/.exec(message ?? '');
  return match === null ? undefined : Number(match[1]);
}

/** The name of anything thrown: an Error's `name`, else `UnknownError`. */
export function errorNameOf(error: unknown): string {
  return error instanceof Error && error.name ? error.name : 'UnknownError';
}

/** The message of anything thrown. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Context fields an error can carry; all optional, all safe to log (never a credential). */
export interface ErrorContext {
  status?: number;
  retryAfterSeconds?: number;
  requestId?: string;
  cause?: unknown;
}

/** Base class: a named pipeline error with optional HTTP context. */
export abstract class PipelineError extends Error {
  abstract override readonly name: ErrorNameValue;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly requestId?: string;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.status = context.status;
    this.retryAfterSeconds = context.retryAfterSeconds;
    this.requestId = context.requestId;
  }

  /** The fields Step Functions and the DLQ attributes carry, without the stack. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      retryAfterSeconds: this.retryAfterSeconds,
      requestId: this.requestId,
    };
  }
}

/** The body is not JSON, not an EventBridge event, not a conversation event, or its ids are not UUIDs. */
export class InvalidEvent extends PipelineError {
  override readonly name = ErrorName.InvalidEvent;
}

/**
 * Genesys answered 429 (or the local limit holds the token); `retryAfterSeconds` carries its `Retry-After`,
 * and the message says it too: only the message reaches the dispatcher through a failed workflow's cause.
 */
export class GenesysRateLimited extends PipelineError {
  override readonly name = ErrorName.RateLimited;

  constructor(message: string, context: ErrorContext = {}) {
    const seconds = context.retryAfterSeconds;
    super(seconds === undefined ? message : `${message}; ${retryAfterText(seconds)}`, context);
  }
}

/** Genesys answered 5xx, timed out, or the connection failed. */
export class GenesysUnavailable extends PipelineError {
  override readonly name = ErrorName.Unavailable;
}

/** 401 after one re-login, or the token endpoint refused the client: the credentials need fixing. */
export class GenesysUnauthorized extends PipelineError {
  override readonly name = ErrorName.Unauthorized;
}

/** 403: the OAuth client lacks a permission. */
export class GenesysForbidden extends PipelineError {
  override readonly name = ErrorName.Forbidden;
}

/** 404: the conversation or participant does not exist (yet). */
export class GenesysNotFound extends PipelineError {
  override readonly name = ErrorName.NotFound;
}

/** 400 or 422: Genesys refused the request as malformed. */
export class GenesysBadRequest extends PipelineError {
  override readonly name = ErrorName.BadRequest;
}

/** A required setting is missing or malformed. Names the setting, never a secret's value. */
export class ConfigurationError extends PipelineError {
  override readonly name = ErrorName.Configuration;
}
