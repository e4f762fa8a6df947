/**
 * Time budgets of the functions' AWS calls, and the SDK client options that hold a client to one: a
 * timeout on every attempt and a fixed, small number of attempts with a bounded wait between them, so
 * that every AWS call ends within its function's time (tools/invariants.ts checks the sums against
 * template.yaml; docs/design.md, "Time budgets"). The SDK's defaults are neither: no request timeout
 * (socket timeouts of 5 to 15 minutes) and 3 attempts with backoff up to 20 s.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html
 */

/** What one AWS call may cost in time. */
export interface CallBudget {
  /** Attempts, the first included: 1 means the SDK never retries the call. */
  attempts: number;
  /** Longest one attempt may take without an answer; an idle socket counts too. */
  attemptTimeoutMs: number;
  /** Longest wait before a retry. */
  retryDelayMs: number;
}

/** The dispatcher's DynamoDB (idempotency) and SQS (dead-lettering, redelivery delays) calls: ms-fast when healthy. */
export const AWS_CALL_BUDGET: CallBudget = { attempts: 2, attemptTimeoutMs: 2_000, retryDelayMs: 100 };

/** The processor's Secrets Manager read, on its path once per cache period: one attempt and one retry within ~2 s. */
export const SECRET_READ_BUDGET: CallBudget = { attempts: 2, attemptTimeoutMs: 1_000, retryDelayMs: 100 };

/** How long after the state machine's TimeoutSeconds StartSyncExecution may still take to answer. */
export const WORKFLOW_ANSWER_MARGIN_MS = 5_000;

/**
 * StartSyncExecution: one attempt, because every attempt runs the workflow again (Express executions
 * are not deduplicated); its retries are the pipeline's own, through SQS. The attempt outlasts the workflow.
 */
export function startSyncBudget(workflowTimeoutSeconds: number): CallBudget {
  return { attempts: 1, attemptTimeoutMs: workflowTimeoutSeconds * 1_000 + WORKFLOW_ANSWER_MARGIN_MS, retryDelayMs: 0 };
}

/** The longest one call under `budget` can take: every attempt timing out, every wait at its longest. */
export function callBudgetMs({ attempts, attemptTimeoutMs, retryDelayMs }: CallBudget): number {
  return attempts * attemptTimeoutMs + (attempts - 1) * retryDelayMs;
}

/** The parts of the SDK's retry error info used here. */
interface RetryErrorInfo {
  errorType: string;
}

/** A retry token as the SDK's retry middleware reads it. */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

const token = (count: number, delay: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => delay });

/**
 * A retry strategy (the SDK's RetryStrategyV2 shape) that allows `budget.attempts` attempts, retries only
 * what a retry can fix (throttling, timeouts, 5xx: not CLIENT_ERROR), waits a jittered delay of at most
 * `budget.retryDelayMs`, and tells `onRetry` about each retry.
 */
export function boundedRetryStrategy(budget: CallBudget, onRetry?: (errorType: string) => void) {
  return {
    acquireInitialRetryToken: async (): Promise<RetryToken> => token(0, 0),
    refreshRetryTokenForRetry: async (previous: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> => {
      const retries = previous.getRetryCount() + 1;
      if (retries >= budget.attempts || errorInfo.errorType === 'CLIENT_ERROR') throw new Error('no retry within the call budget');
      onRetry?.(errorInfo.errorType);
      return token(retries, Math.floor(Math.random() * budget.retryDelayMs));
    },
    recordSuccess: (): void => undefined,
  };
}

/**
 * SDK v3 client options that hold a client to `budget`. `throwOnRequestTimeout` matters: without it the
 * Node handler only logs a warning when `requestTimeout` passes and keeps waiting.
 */
export function boundedClientConfig(budget: CallBudget, onRetry?: (errorType: string) => void) {
  return {
    maxAttempts: budget.attempts,
    retryStrategy: boundedRetryStrategy(budget, onRetry),
    requestHandler: {
      connectionTimeout: Math.min(1_000, budget.attemptTimeoutMs),
      requestTimeout: budget.attemptTimeoutMs,
      socketTimeout: budget.attemptTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
