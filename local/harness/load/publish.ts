/**
 * Sends entries to EventBridge with PutEvents at a steady rate, re-sending the entries a call reports
 * as failed. PutEvents takes at most 10 entries and 256 KB per call, and answers 200 even when some
 * entries failed (FailedEntryCount, ErrorCode per entry):
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventEntry } from './entry.js';

/** How to publish. */
export interface PublishOptions {
  /** The caller's client (pointed at moto locally). */
  eventBridge: EventBridgeClient;
  /** When set, every entry goes to this bus whatever its own EventBusName. */
  busName?: string;
  /** Entries per second; 0 (default) or Infinity sends as fast as the calls return. */
  ratePerSecond?: number;
  /** Calls per entry before it counts as failed (default 4). */
  maxAttempts?: number;
  /** First pause before re-sending failed entries, doubled per attempt (default 100 ms). */
  retryDelayMs?: number;
  /** Called after every PutEvents call. */
  onProgress?: (progress: PublishProgress) => void;
}

/** Where a run stands. */
export interface PublishProgress {
  sent: number;
  failed: number;
  total: number;
}

/** An entry that still failed after every attempt. */
export interface PublishFailure {
  entry: EventEntry;
  errorCode: string;
  errorMessage?: string;
}

/** The outcome of a run. */
export interface PublishResult {
  sent: number;
  failed: number;
  failures: PublishFailure[];
  /**
   * Per entry, in the order given: the id EventBridge gave it, which the event it delivers carries as
   * its `id` (so a parked copy can be traced back to its entry); undefined for an entry that failed.
   */
  eventIds: (string | undefined)[];
}

/** An entry and its place in the caller's list. */
interface Numbered {
  entry: EventEntry;
  index: number;
}

const MAX_ENTRIES_PER_CALL = 10;
const MAX_BYTES_PER_CALL = 256 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** PutEvents' size of an entry: its strings in UTF-8 plus 14 bytes for Time. */
function entrySize(entry: EventEntry): number {
  const strings = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])];
  return strings.reduce((sum, value) => sum + Buffer.byteLength(value, 'utf8'), 14);
}

/** Splits entries into calls: at most `size` entries and 256 KB each. */
function chunks(entries: readonly Numbered[], size: number): Numbered[][] {
  const result: Numbered[][] = [];
  let current: Numbered[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const length = entrySize(entry.entry);
    if (current.length > 0 && (current.length >= size || bytes + length > MAX_BYTES_PER_CALL)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += length;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** An entry not through yet, and why. */
type Pending = Numbered & Omit<PublishFailure, 'entry'>;

/** One PutEvents call: records the ids of the entries that went through, returns the others. */
async function putOnce(batch: readonly Pending[], options: PublishOptions, eventIds: (string | undefined)[]): Promise<Pending[]> {
  try {
    const output = await options.eventBridge.send(new PutEventsCommand({ Entries: batch.map(({ entry }) => entry) }));
    const results = output.Entries ?? [];
    const allFailed = results.length === 0 && (output.FailedEntryCount ?? 0) > 0;
    return batch.flatMap(({ entry, index }, position) => {
      const result = results[position];
      if (result?.ErrorCode === undefined && !allFailed) {
        eventIds[index] = result?.EventId;
        return [];
      }
      return [{ entry, index, errorCode: result?.ErrorCode ?? 'Unknown', errorMessage: result?.ErrorMessage }];
    });
  } catch (error) {
    const errorCode = error instanceof Error ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    return batch.map(({ entry, index }) => ({ entry, index, errorCode, errorMessage }));
  }
}

/** One call's entries, re-sending those that fail; returns the ones that never got through. */
async function putWithRetries(entries: readonly Numbered[], options: PublishOptions, eventIds: (string | undefined)[]): Promise<PublishFailure[]> {
  const maxAttempts = options.maxAttempts ?? 4;
  let pending: Pending[] = entries.map((numbered) => ({ ...numbered, errorCode: 'NotSent' }));
  for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt += 1) {
    if (attempt > 1) await sleep((options.retryDelayMs ?? 100) * 2 ** (attempt - 2));
    pending = await putOnce(pending, options, eventIds);
  }
  return pending.map(({ entry, errorCode, errorMessage }) => ({ entry, errorCode, errorMessage }));
}

/** Publishes `entries` in order, paced to `ratePerSecond`, and counts what got through. */
export async function publishEvents(entries: readonly EventEntry[], options: PublishOptions): Promise<PublishResult> {
  const rate = options.ratePerSecond ?? 0;
  if (!(rate >= 0)) throw new RangeError(`ratePerSecond must be ≥ 0, got ${rate}`);
  const paced = rate > 0 && Number.isFinite(rate);
  // About ten calls a second when paced, so a slow rate is spread out rather than sent in bursts of ten.
  const size = paced ? Math.min(MAX_ENTRIES_PER_CALL, Math.max(1, Math.round(rate / 10))) : MAX_ENTRIES_PER_CALL;
  const routed = entries.map((entry, index) => ({ entry: options.busName === undefined ? entry : { ...entry, EventBusName: options.busName }, index }));

  const result: PublishResult = { sent: 0, failed: 0, failures: [], eventIds: entries.map(() => undefined) };
  const started = Date.now();
  let offset = 0;
  for (const chunk of chunks(routed, size)) {
    if (paced) {
      const due = started + (offset * 1000) / rate - Date.now();
      if (due > 0) await sleep(due);
    }
    const failures = await putWithRetries(chunk, options, result.eventIds);
    result.sent += chunk.length - failures.length;
    result.failed += failures.length;
    result.failures.push(...failures);
    offset += chunk.length;
    options.onProgress?.({ sent: result.sent, failed: result.failed, total: entries.length });
  }
  return result;
}
