/**
 * The workflow step of a record: one StartSyncExecution, and what its execution says about the record:
 * applied, skipped (a kind the workflow routes past Genesys), parked with a reason no retry fixes, or
 * {@link RedeliveryNeeded} for anything a later receive may fix.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartSyncExecutionCommand, type StartSyncExecutionOutput } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { boundedClientConfig, startSyncBudget } from '../shared/aws-clients.js';
import type { DispatcherConfig } from '../shared/config.js';
import { errorMessageOf, errorNameOf, isRedeliverable, retryAfterOf } from '../shared/errors.js';
import { isRecord, toWorkflowInput, type ConversationEvent } from '../shared/events.js';
import { MetricName, MetricUnit, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';
import { park, truncate } from './dead-letter.js';
import type { DispatchResult, RecordFailure } from './outcome.js';
import { RedeliveryNeeded } from './redelivery.js';

/** What the workflow step needs. */
export interface WorkflowDeps {
  sfn: SFNClient;
  sqs: SQSClient;
  config: DispatcherConfig;
  logger: Logger;
  /** Outcome counts, latency and workflow duration (functions/shared/metrics.ts); none recorded when absent. */
  metrics?: MetricsSink;
  /** Aborted at the invocation's deadline (batch.ts): the StartSyncExecution in flight is cancelled. */
  signal?: AbortSignal;
}

/**
 * The SFN client: one attempt per StartSyncExecution, with a timeout just past the workflow's own
 * (functions/shared/aws-clients.ts). StartSyncExecution is modelled with the host prefix `sync-`; against
 * a custom endpoint (the local stack's `AWS_ENDPOINT_URL[_SFN]`) that prefix breaks the host, so it is
 * dropped there, and only there: in AWS the prefix selects `sync-states.{region}.amazonaws.com`.
 */
export function createSfnClient(workflowTimeoutSeconds: number, env: Record<string, string | undefined> = process.env): SFNClient {
  const customEndpoint =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() !== 'true' && Boolean(env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL);
  return new SFNClient({ disableHostPrefix: customEndpoint, ...boundedClientConfig(startSyncBudget(workflowTimeoutSeconds)) });
}

/**
 * Runs the workflow for one record and settles its outcome. A failure no retry can fix is parked in
 * the DLQ and resolves; anything else throws, so that the idempotent wrapper forgets the attempt and
 * the redelivery runs again. At the deadline it rejects with the signal's reason.
 */
export async function runWorkflow(record: SQSRecord, event: ConversationEvent, deps: WorkflowDeps): Promise<DispatchResult> {
  let execution: StartSyncExecutionOutput;
  try {
    // No `name`: Express executions are not deduplicated by name; the idempotency table is the guard.
    execution = await deps.sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: deps.config.stateMachineArn, input: JSON.stringify(toWorkflowInput(record.messageId, event)) }),
      deps.signal === undefined ? {} : { abortSignal: deps.signal },
    );
  } catch (error) {
    if (deps.signal?.aborted === true) throw deps.signal.reason;
    throw new RedeliveryNeeded(errorNameOf(error), `StartSyncExecution failed: ${errorMessageOf(error)}`, { cause: error });
  }
  if (execution.startDate !== undefined && execution.stopDate !== undefined) {
    const durationMs = execution.stopDate.getTime() - execution.startDate.getTime();
    (deps.metrics ?? noMetrics).addMetric(MetricName.WorkflowDuration, MetricUnit.Milliseconds, Math.max(0, durationMs));
  }

  // StartSyncExecution answers 200 whatever the execution did: the outcome is in `status`.
  if (execution.status === 'SUCCEEDED') return succeeded(execution.output, event.kind);

  const failure = failureOf(execution);
  deps.logger.info('workflow failed', { executionArn: execution.executionArn, status: execution.status, ...failure });
  if (isRedeliverable(failure.errorName)) {
    throw new RedeliveryNeeded(failure.errorName, failure.errorMessage, { retryAfterSeconds: failure.retryAfterSeconds });
  }
  const parked = { errorName: failure.errorName, errorMessage: failure.errorMessage };
  await park(record, parked, deps);
  return { outcome: 'parked', ...parked };
}

/** SUCCEEDED: "applied" when the processor wrote to Genesys, "skipped" when the workflow routed the kind past it. */
function succeeded(output: string | undefined, kind: string): DispatchResult {
  const parsed = parseJson(output);
  if (isRecord(parsed) && parsed.status === 'applied') return { outcome: 'applied', output: parsed };
  return { outcome: 'skipped', kind };
}

/** The error name, a readable, bounded message and the Retry-After it names, of a FAILED or TIMED_OUT execution. */
function failureOf(execution: StartSyncExecutionOutput): RecordFailure & { retryAfterSeconds?: number } {
  const errorName =
    execution.status === 'TIMED_OUT' ? 'States.Timeout' : execution.error?.trim() || `States.${execution.status ?? 'Unknown'}`;
  // A Lambda task's cause is its error as JSON: {"errorType","errorMessage","trace"}.
  const cause = parseJson(execution.cause);
  const message = isRecord(cause) && typeof cause.errorMessage === 'string' ? cause.errorMessage : execution.cause;
  const retryAfterSeconds = retryAfterOf(message);
  return {
    errorName,
    errorMessage: truncate(message?.trim() || `execution ${execution.status ?? 'ended'} without a cause`),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

/** JSON text parsed, or undefined when absent or not JSON. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
