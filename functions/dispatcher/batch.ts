/**
 * One dispatcher invocation: every record of the batch dispatched at once, and the batch answered before
 * Lambda's deadline with each record's own outcome. At the deadline (less a reserve) the records still
 * running are aborted: each is handed back to SQS (or parked, on its last receive) as DeadlineReached,
 * within the reserve, while the settled ones keep their outcome. Nothing of the invocation runs after the
 * answer: the SDK calls in flight are cancelled, and every later call has its own time budget.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { AWS_CALL_BUDGET, callBudgetMs, startSyncBudget } from '../shared/aws-clients.js';
import { MetricName, MetricUnit, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';
import type { DispatchResult } from './outcome.js';

/** The record was still running when its invocation's deadline came. */
export class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
}

/**
 * Time kept back from Lambda's deadline for the records still running then: each, once aborted, deletes
 * its in-progress idempotency record and then sets its visibility or parks (one AWS call budget each).
 */
export const DEADLINE_RESERVE_MS = 2 * callBudgetMs(AWS_CALL_BUDGET) + 1_000;

/**
 * The longest one record can take when every call it makes takes its whole budget: the in-progress
 * idempotency record, the workflow, a park, the save. The dispatcher's Timeout must hold this and the
 * reserve (tools/invariants.ts): then only a call outrunning its own timeout reaches the deadline.
 */
export function recordBudgetMs(workflowTimeoutSeconds: number): number {
  return 3 * callBudgetMs(AWS_CALL_BUDGET) + callBudgetMs(startSyncBudget(workflowTimeoutSeconds));
}

/** Past the reserve, the batch is answered whatever still runs: Lambda's own timeout would fail all of it. */
export const HARD_STOP_MS = 300;

/** What {@link dispatchBatch} needs. */
export interface BatchDeps {
  /** Dispatches one record; `signal` aborts at the deadline. */
  dispatch(record: SQSRecord, signal: AbortSignal): Promise<DispatchResult>;
  /** Lambda's `context.getRemainingTimeInMillis`. */
  remainingMs(): number;
  logger: Logger;
  metrics?: MetricsSink;
}

/**
 * Dispatches every record concurrently; resolves with one settled result per record, in record order, as
 * @middy/sqs-partial-batch-failure requires (https://middy.js.org/docs/middlewares/sqs-partial-batch-failure).
 */
export async function dispatchBatch(records: readonly SQSRecord[], deps: BatchDeps): Promise<PromiseSettledResult<DispatchResult>[]> {
  const deadline = new AbortController();
  const results: (PromiseSettledResult<DispatchResult> | undefined)[] = records.map(() => undefined);
  const all = Promise.all(
    records.map(async (record, index) => {
      try {
        results[index] = { status: 'fulfilled', value: await deps.dispatch(record, deadline.signal) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }),
  );
  const remaining = deps.remainingMs();
  const atDeadline = setTimeout(() => {
    const running = results.filter((result) => result === undefined).length;
    deps.logger.warn('invocation deadline: handing back the records still running', { running, reserveMs: DEADLINE_RESERVE_MS });
    (deps.metrics ?? noMetrics).addMetric(MetricName.DeadlineReached, MetricUnit.Count, running);
    deadline.abort(new DeadlineReached(`the invocation's deadline came before the record settled (${DEADLINE_RESERVE_MS} ms before Lambda's)`));
  }, Math.max(0, remaining - DEADLINE_RESERVE_MS));
  let hardStop: NodeJS.Timeout | undefined;
  const stopped = new Promise<void>((resolve) => {
    hardStop = setTimeout(resolve, Math.max(0, remaining - HARD_STOP_MS));
  });
  try {
    await Promise.race([all, stopped]);
  } finally {
    clearTimeout(atDeadline);
    clearTimeout(hardStop);
  }
  const stillRunning = results.filter((result) => result === undefined).length;
  if (stillRunning > 0) deps.logger.error('records still running at the hard stop: answered as failures, their work may go on', { stillRunning });
  return results.map(
    (result) => result ?? { status: 'rejected', reason: new DeadlineReached('the record was still being handed back when the invocation had to answer') },
  );
}
