import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { DEADLINE_RESERVE_MS, DeadlineReached, dispatchBatch } from '../../functions/dispatcher/batch.js';
import type { DispatchResult } from '../../functions/dispatcher/outcome.js';
import { sqsRecord } from '../helpers/factories.js';
import { recordingMetrics } from '../helpers/metrics.js';

const logger = new Logger({ logLevel: 'SILENT' });

/** A remaining-time clock that leaves `msBeforeDeadline` before the batch's deadline (Lambda's, less the reserve). */
const remaining = (msBeforeDeadline: number) => {
  const end = Date.now() + DEADLINE_RESERVE_MS + msBeforeDeadline;
  return () => end - Date.now();
};

/** A record's work that runs until the signal aborts, then takes `cleanupMs` to hand the record back. */
const untilAborted = (cleanupMs: number, onAbort: () => void = () => undefined) => (signal: AbortSignal) =>
  new Promise<DispatchResult>((_resolve, reject) => {
    signal.addEventListener('abort', () => {
      onAbort();
      setTimeout(() => reject(signal.reason), cleanupMs);
    });
  });

describe('dispatchBatch', () => {
  it('answers every record with its own outcome, in record order, when all settle in time', async () => {
    const records = [sqsRecord({ messageId: 'a' }), sqsRecord({ messageId: 'b' })];
    const failure = new Error('later');
    const results = await dispatchBatch(records, {
      dispatch: async (record) => {
        if (record.messageId === 'b') throw failure;
        return { outcome: 'applied', output: {} };
      },
      remainingMs: remaining(10_000),
      logger,
    });

    expect(results).toEqual([
      { status: 'fulfilled', value: { outcome: 'applied', output: {} } },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('at the deadline hands back only the records still running: applied, parked and already failed ones keep their outcome', async () => {
    const metrics = recordingMetrics();
    const failure = new Error('Genesys.Unavailable');
    let aborted = 0;
    const work: Record<string, (signal: AbortSignal) => Promise<DispatchResult>> = {
      applied: async () => ({ outcome: 'applied', output: {} }),
      parked: async () => ({ outcome: 'parked', errorName: 'InvalidEvent', errorMessage: 'body is not JSON' }),
      failed: async () => Promise.reject(failure),
      slow: untilAborted(20, () => (aborted += 1)),
    };
    const records: SQSRecord[] = Object.keys(work).map((messageId) => sqsRecord({ messageId }));

    const results = await dispatchBatch(records, { dispatch: (record, signal) => work[record.messageId]!(signal), remainingMs: remaining(50), logger, metrics });

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(results[1]).toEqual({ status: 'fulfilled', value: { outcome: 'parked', errorName: 'InvalidEvent', errorMessage: 'body is not JSON' } });
    expect((results[2] as PromiseRejectedResult).reason).toBe(failure);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(DeadlineReached);
    expect(aborted).toBe(1);
    expect(metrics.count('DeadlineReached')).toBe(1);
  });

  it('waits for the records it aborted to be handed back before it answers: nothing of them runs after the answer', async () => {
    let handedBack = false;
    const results = await dispatchBatch([sqsRecord()], {
      dispatch: (_record, signal) =>
        new Promise<DispatchResult>((_resolve, reject) => {
          signal.addEventListener('abort', () => setTimeout(() => {
            handedBack = true;
            reject(signal.reason);
          }, 200));
        }),
      remainingMs: remaining(10),
      logger,
    });

    expect(handedBack).toBe(true);
    expect(results[0]?.status).toBe('rejected');
  });

  it('answers at the hard stop when a record does not finish handing itself back, as a failure', async () => {
    const results = await dispatchBatch([sqsRecord(), sqsRecord()], {
      dispatch: () => new Promise<DispatchResult>(() => undefined),
      // Less than the reserve left: the deadline is now, the hard stop shortly after.
      remainingMs: () => 500,
      logger,
    });

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(DeadlineReached);
  });
});
