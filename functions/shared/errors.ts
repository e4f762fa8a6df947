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
 * Errors that no amount of retrying fixes: the dispatcher parks them in the DLQ at once.
 * `Genesys.NotFound` is here because the workflow has already retried it for eventual consistency.
 */
export const NEVER_REDELIVERED_ERRORS: readonly string[] = [
  ErrorName.InvalidEvent,
  ErrorName.Forbidden,
  ErrorName.BadRequest,
  ErrorName.NotFound,
];

/** Whether a failed record should go back to SQS for another receive (true) or straight to the DLQ. */
export function isRedeliverable(errorName: string): boolean {
  return !NEVER_REDELIVERED_ERRORS.includes(errorName);
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

/** Genesys answered 429; `retryAfterSeconds` carries its `Retry-After`. */
export class GenesysRateLimited extends PipelineError {
  override readonly name = ErrorName.RateLimited;
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
