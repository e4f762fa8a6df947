/**
 * The dispatcher's per-record logic: settle each SQS record once (parked when it is invalid, else through
 * its workflow), on its last receive as last-receive.ts says, and otherwise, when it fails, hand it back to
 * SQS (redelivery.ts). Plain functions receiving their clients; the handler only wires them (docs/design.md, "Flow").
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { InvalidEvent } from '../shared/errors.js';
import { isRecord, parseConversationEvent, type ConversationEvent } from '../shared/events.js';
import { MetricName, MetricUnit, noMetrics } from '../shared/metrics-sink.js';
import { park, receiveCountOf } from './dead-letter.js';
import { settleEveryTime, type SettleOnce } from './idempotency.js';
import { isLastReceive, settleOnLastReceive } from './last-receive.js';
import { countDone, type DispatchResult } from './outcome.js';
import { redeliverLater } from './redelivery.js';
import { parseJson, runWorkflow, type WorkflowDeps } from './workflow.js';

/** The log message of a suppressed duplicate delivery (the DuplicatesSuppressed metric counts them). */
const DUPLICATE_SUPPRESSED = 'duplicate delivery suppressed';

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
  const parsed = parseRecord(record.body);
  const recordDeps = { ...deps, logger: recordLogger(record, parsed, deps.logger) };
  const settle = async (): Promise<DispatchResult> => logSettled(await settleOnce(record, parsed, recordDeps), recordDeps);
  if (isLastReceive(record, deps.config)) return settleOnLastReceive(record, settle, recordDeps);
  try {
    return await settle();
  } catch (error) {
    return redeliverLater(record, error, recordDeps);
  }
}

/**
 * The record's work through idempotency, so that it settles once however often SQS delivers it. An
 * invalid body is parked even when the table is down: a receive spent waiting for it would fix nothing.
 */
function settleOnce(record: SQSRecord, parsed: ConversationEvent | InvalidEvent, deps: DispatchDeps): Promise<DispatchResult> {
  const options = { withoutTable: parsed instanceof InvalidEvent };
  return (deps.settleOnce ?? settleEveryTime)(record, () => settleRecord(record, parsed, deps), deps.logger, options);
}

/** Logs how the record settled, counting an outcome another delivery had stored as a suppressed duplicate. */
function logSettled(result: DispatchResult, deps: DispatchDeps): DispatchResult {
  if (result.duplicate === true) {
    (deps.metrics ?? noMetrics).addMetric(MetricName.DuplicatesSuppressed, MetricUnit.Count, 1);
    deps.logger.info(DUPLICATE_SUPPRESSED, { outcome: result.outcome });
  } else {
    deps.logger.info('record settled', { outcome: result.outcome });
  }
  return result;
}

/**
 * The work for one message, done at most once: park an invalid body at once, else run its workflow.
 * Counts what it settles (parks are counted by dead-letter.ts).
 */
async function settleRecord(record: SQSRecord, parsed: ConversationEvent | InvalidEvent, deps: DispatchDeps): Promise<DispatchResult> {
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
function recordLogger(record: SQSRecord, parsed: ConversationEvent | InvalidEvent, logger: Logger): Logger {
  const child = logger.createChild({ persistentKeys: { messageId: record.messageId, receiveCount: receiveCountOf(record) } });
  const correlationId = parsed instanceof InvalidEvent ? looseCorrelationId(record.body) : parsed.correlationId;
  if (correlationId !== undefined) child.setCorrelationId(correlationId);
  if (!(parsed instanceof InvalidEvent)) child.appendPersistentKeys({ conversationId: parsed.body.conversationId, eventId: parsed.eventId, kind: parsed.kind });
  return child;
}

/** Genesys' correlation id from a body that failed validation, if it is there at all. */
function looseCorrelationId(body: string): string | undefined {
  const envelope = parseJson(body);
  const detail = isRecord(envelope) ? envelope.detail : undefined;
  const metadata = isRecord(detail) ? detail.metadata : undefined;
  const correlationId = isRecord(metadata) ? metadata.CorrelationId : undefined;
  return typeof correlationId === 'string' && correlationId.length <= 128 ? correlationId : undefined;
}
