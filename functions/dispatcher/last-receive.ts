/**
 * A message's last receive: after it SQS's redrive policy moves the message without a reason, so the
 * record either settles, waiting if need be for another delivery still settling it, or is parked by us
 * with the reason it failed; only when even the park fails does it go back to SQS.
 */
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { SQSRecord } from 'aws-lambda';
import { callBudgetMs, startSyncBudget } from '../shared/aws-clients.js';
import { systemClock } from '../shared/clock.js';
import type { DispatcherConfig } from '../shared/config.js';
import { errorMessageOf } from '../shared/errors.js';
import { park, receiveCountOf, type DeadLetterDeps } from './dead-letter.js';
import type { DispatchResult } from './outcome.js';
import { failureNameOf, redeliverLater, type RedeliveryDeps } from './redelivery.js';

/** What the last receive needs. */
export interface LastReceiveDeps extends DeadLetterDeps, RedeliveryDeps {
  config: DeadLetterDeps['config'] & RedeliveryDeps['config'] & Pick<DispatcherConfig, 'maxReceiveCount' | 'workflowTimeoutSeconds'>;
  /** How often to look again at another delivery of the message; 1 s by default. */
  inProgressPollMs?: number;
  /** Aborts the wait at the invocation's deadline (batch.ts). */
  signal?: AbortSignal;
}

/** Whether SQS's redrive policy moves the message after this receive. */
export function isLastReceive(record: SQSRecord, config: Pick<DispatcherConfig, 'maxReceiveCount'>): boolean {
  return receiveCountOf(record) >= config.maxReceiveCount;
}

/** Settles the record on its last receive; parks it with the reason when it cannot (see the module comment). */
export async function settleOnLastReceive(record: SQSRecord, settle: () => Promise<DispatchResult>, deps: LastReceiveDeps): Promise<DispatchResult> {
  try {
    return await settleAfterOtherDelivery(settle, deps);
  } catch (error) {
    return (await parkGivenUp(record, error, deps)) ?? redeliverLater(record, error, deps);
  }
}

/**
 * SQS may hand one message out twice: failing the last receive while another delivery is settling it
 * would let the redrive policy move it, without a reason, while that delivery may still apply it. So it
 * looks again every `inProgressPollMs` until that delivery has settled (its result is then this one's, as
 * a duplicate), or has failed or timed out (this one then does the work itself). A look may start the
 * workflow, so it looks only while a whole workflow call still fits before this invocation's deadline;
 * past that, or at the deadline, the error goes to the caller, which parks the record with it.
 */
async function settleAfterOtherDelivery(settle: () => Promise<DispatchResult>, deps: LastReceiveDeps): Promise<DispatchResult> {
  const pollMs = deps.inProgressPollMs ?? 1_000;
  const workflowMs = callBudgetMs(startSyncBudget(deps.config.workflowTimeoutSeconds));
  for (let waited = false; ; waited = true) {
    try {
      const result = await settle();
      if (waited) deps.logger.info('the other delivery of this message ended; settled after waiting for it', { outcome: result.outcome });
      return result;
    } catch (error) {
      const remaining = deps.remainingMs?.() ?? 0;
      if (!(error instanceof IdempotencyAlreadyInProgressError) || remaining - pollMs < workflowMs) throw error;
      if (!waited) deps.logger.warn('last receive: waiting for another delivery of this message to end', { remainingMs: remaining });
      await systemClock.sleep(pollMs, deps.signal);
    }
  }
}

/**
 * Parks a record whose last receive failed, also when another delivery still runs it: that one may yet
 * apply it, and a redrive then applies it again, which is harmless (repeatable writes). Undefined when
 * even the park fails.
 */
async function parkGivenUp(record: SQSRecord, error: unknown, deps: LastReceiveDeps): Promise<DispatchResult | undefined> {
  const failure = { errorName: failureNameOf(error), errorMessage: `gave up after ${receiveCountOf(record)} receives: ${errorMessageOf(error)}` };
  try {
    await park(record, failure, deps);
    return { outcome: 'parked', ...failure };
  } catch (parkError) {
    deps.logger.error('could not park the record on its last receive; the redrive policy will move it', { error: parkError as Error });
    return undefined;
  }
}
