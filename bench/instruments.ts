/**
 * What the pipeline benchmarks measure with: a load of writes only, the functions' log size, and the
 * wall time of every invocation as the caller sees it.
 */
import { statSync } from 'node:fs';
import { parseEntry, type LoadConversation } from '../local/harness/load/entry.js';
import { actionFor, defaultActions } from '../tools/actions/index.js';
import { generateConversationEvents, type GeneratedEvent } from '../local/harness/load/generate.js';
import type { RunEvent } from '../local/harness/run.js';
import type { LocalStack } from '../local/stack/index.js';

export const DISPATCHER = 'DispatcherFunction';
export const PROCESSOR = 'ProcessorFunction';

/** Wall time, invocations and records of one function's invocations. */
export interface InvocationTotals {
  ms: number;
  count: number;
  records: number;
}

/** The running sums {@link timeInvocations} keeps, per function. */
export interface InvocationTiming {
  totals: Record<string, InvocationTotals>;
}

/** Events an action of actions.yaml matches, with their participantId, in delivery order: under the default file every one is one Genesys write. */
export function writeEvents(count: number, seed: number, missingParticipantRate = 0, kinds?: (kind: string) => boolean): { events: RunEvent[]; conversations: LoadConversation[] } {
  const load = generateConversationEvents({ events: count * 3, conversations: Math.max(10, Math.ceil(count / 4)), seed, missingParticipantRate });
  const kindOf = (event: GeneratedEvent): string => event.kind;
  const actions = defaultActions();
  const picked = load.events.filter((event) => event.expected === 'valid' && isActedOn(actions, event) && (kinds === undefined || kinds(kindOf(event)))).slice(0, count);
  return { events: picked.map((event) => ({ entry: event.entry, expected: 'valid' })), conversations: load.conversations };
}

function isActedOn(actions: ReturnType<typeof defaultActions>, event: GeneratedEvent): boolean {
  const parsed = parseEntry(event.entry);
  return parsed !== undefined && actionFor(actions, parsed) !== undefined;
}

/** Bytes of the functions' log so far (0 without a log file). */
export function logSize(stack: LocalStack): number {
  try {
    return stack.logFile === undefined ? 0 : statSync(stack.logFile).size;
  } catch {
    return 0;
  }
}

/** Wraps the runtime's invoke to sum wall time per function. */
export function timeInvocations(stack: LocalStack): InvocationTiming {
  const totals: Record<string, InvocationTotals> = {};
  const runtime = stack.runtime as unknown as { invoke: (name: string, payload: unknown) => Promise<unknown> };
  const original = runtime.invoke.bind(runtime);
  runtime.invoke = async (name, payload) => {
    const started = performance.now();
    try {
      return await original(name, payload);
    } finally {
      const key = name.split(':').at(-1) ?? name;
      const entry = (totals[key] ??= { ms: 0, count: 0, records: 0 });
      entry.ms += performance.now() - started;
      entry.count += 1;
      const records = (payload as { Records?: unknown[] } | undefined)?.Records;
      entry.records += Array.isArray(records) ? records.length : 1;
    }
  };
  return { totals };
}

