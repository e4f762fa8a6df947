/**
 * The dispatcher's per-record logic: settle each SQS record once (parked when it is invalid, else through
 * its workflow), wait on its last receive for another delivery still settling it, park it with the reason
 * when its receives are spent, and otherwise hand it back to SQS. Plain functions receiving their
 * clients; the handler only wires them (docs/design.md, "Flow").
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { SQSRecord } from 'aws-lambda';
import { callBudgetMs, startSyncBudget } from '../shared/aws-clients.js';
import { systemClock } from '../shared/clock.js';
import { errorMessageOf, InvalidEvent } from '../shared/errors.js';
import { isRecord, parseConversationEvent, type ConversationEvent } from '../shared/events.js';
import { MetricName, MetricUnit, noMetrics } from '../shared/metrics-sink.js';
import { park, receiveCountOf } from './dead-letter.js';
import { settleEveryTime, type SettleOnce } from './idempotency.js';
import { countDone, type DispatchResult } from './outcome.js';
import { failureNameOf, redeliverLater } from './redelivery.js';
import { parseJson, runWorkflow, type WorkflowDeps } from './workflow.js';

/** The log message of a suppressed duplicate delivery; the local run summary counts these lines. */
export const DUPLICATE_SUPPRESSED = 'duplicate delivery suppressed';

/** What {@link dispatchRecord} needs. */
export interface DispatchDeps extends WorkflowDeps {
  /** Settles a message at most once (idempotency.ts); by default every delivery does the work (tests and tools). */
  settleOnce?: SettleOnce;
  /** Jitter source for the redelivery delay. */
  random?: () => number;
  /** Clock for the end-to-end latency (epoch ms). */
  now?: () => number;
  /**
   * Milliseconds left in this invocation (Lambda's `context.getRemainingTimeInMillis`). Without it, a
   * record whose message another delivery is still dispatching just fails, and nothing waits for that one.
   */
  remainingMs?: () => number;
  /** How often the last receive looks again at another delivery of its message; 1 s by default. */
  inProgressPollMs?: number;
}

/**
 * Dispatches one SQS record. Resolves when the record is done with (applied, skipped, or parked in the
 * DLQ); rejects with RedeliveryNeeded when SQS must deliver it again, after setting its visibility timeout.
 */
export async function dispatchRecord(record: SQSRecord, deps: DispatchDeps): Promise<DispatchResult> {
  const receiveCount = receiveCountOf(record);
  const lastReceive = receiveCount >= deps.config.maxReceiveCount;
  const parsed = parseRecord(record.body);
  const logger = recordLogger(record, receiveCount, parsed, deps.logger);
  const recordDeps = { ...deps, logger };
  try {
    // An invalid body is parked even when the table is down: a receive spent waiting for it would fix nothing.
    const options = { withoutTable: parsed instanceof InvalidEvent };
    const once = (): Promise<DispatchResult> => (deps.settleOnce ?? settleEveryTime)(record, () => settleRecord(record, parsed, recordDeps), logger, options);
    const result = lastReceive ? await settleAfterOtherDelivery(once, recordDeps) : await once();
    if (result.duplicate === true) {
      (deps.metrics ?? noMetrics).addMetric(MetricName.DuplicatesSuppressed, MetricUnit.Count, 1);
      logger.info(DUPLICATE_SUPPRESSED, { outcome: result.outcome });
    } else {
      logger.info('record settled', { outcome: result.outcome });
    }
    return result;
  } catch (error) {
    const parked = lastReceive ? await parkOnLastReceive(record, error, recordDeps) : undefined;
    return parked ?? redeliverLater(record, error, recordDeps);
  }
}

/**
 * The work for one message, done at most once: park an invalid body at once, else run its workflow.
 * Counts what it settles (parks are counted by dead-letter.ts).
 */
export async function settleRecord(record: SQSRecord, parsed: ConversationEvent | InvalidEvent, deps: DispatchDeps): Promise<DispatchResult> {
  if (parsed instanceof InvalidEvent) {
    const failure = { errorName: parsed.name, errorMessage: parsed.message };
    await park(record, failure, deps);
    return { outcome: 'parked', ...failure };
  }
  const result = await runWorkflow(record, parsed, deps);
  countDone(result, parsed.body.eventTime, deps.metrics, deps.now);
  return result;
}

/** The record's event, or the InvalidEvent that says what is wrong with its body. */
function parseRecord(body: string): ConversationEvent | InvalidEvent {
  try {
    return parseConversationEvent(body);
  } catch (error) {
    if (error instanceof InvalidEvent) return error;
    throw error;
  }
}

/** A logger whose every line names the record: its message, receive, and (when valid) conversation, event and kind. */
function recordLogger(record: SQSRecord, receiveCount: number, parsed: ConversationEvent | InvalidEvent, logger: Logger): Logger {
  const child = logger.createChild({ persistentKeys: { messageId: record.messageId, receiveCount } });
  const correlationId = parsed instanceof InvalidEvent ? looseCorrelationId(record.body) : parsed.correlationId;
  if (correlationId !== undefined) child.setCorrelationId(correlationId);
  if (!(parsed instanceof InvalidEvent)) child.appendPersistentKeys({ conversationId: parsed.body.conversationId, eventId: parsed.eventId, kind: parsed.kind });
  return child;
}

/**
 * The last receive of a message that another delivery is still settling (SQS may hand one message out
 * twice): failing it would let the redrive policy move it, without a reason, while the other delivery may
 * still apply it. So it looks again every `inProgressPollMs` until that delivery has settled (its result is
 * then this one's, as a duplicate), or has failed or timed out (this one then does the work itself). A look
 * may start the workflow, so it looks only while a whole workflow call still fits before this invocation's
 * deadline; past that, or at the deadline, the error goes to the caller, which parks the record with it.
 */
async function settleAfterOtherDelivery(once: () => Promise<DispatchResult>, deps: DispatchDeps): Promise<DispatchResult> {
  const pollMs = deps.inProgressPollMs ?? 1_000;
  const workflowMs = callBudgetMs(startSyncBudget(deps.config.workflowTimeoutSeconds));
  for (let waited = false; ; waited = true) {
    try {
      const result = await once();
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
 * Parks a record whose last receive failed: SQS would move it to the DLQ after this receive without
 * saying why. Also when another delivery still runs it: that one may yet apply it, and a redrive then
 * applies it again, which is harmless (repeatable writes). Undefined when even the park fails.
 */
async function parkOnLastReceive(record: SQSRecord, error: unknown, deps: DispatchDeps): Promise<DispatchResult | undefined> {
  const failure = { errorName: failureNameOf(error), errorMessage: `gave up after ${receiveCountOf(record)} receives: ${errorMessageOf(error)}` };
  try {
    await park(record, failure, deps);
    return { outcome: 'parked', ...failure };
  } catch (parkError) {
    deps.logger.error('could not park the record on its last receive; the redrive policy will move it', { error: parkError as Error });
    return undefined;
  }
}

/** Genesys' correlation id from a body that failed validation, if it is there at all. */
function looseCorrelationId(body: string): string | undefined {
  const envelope = parseJson(body);
  const detail = isRecord(envelope) ? envelope.detail : undefined;
  const metadata = isRecord(detail) ? detail.metadata : undefined;
  const correlationId = isRecord(metadata) ? metadata.CorrelationId : undefined;
  return typeof correlationId === 'string' && correlationId.length <= 128 ? correlationId : undefined;
}
