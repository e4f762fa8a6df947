/**
 * What `npm run replay` is asked to replay: the window of event times (`--from`, `--to`) and the kinds
 * `--kinds` names, read and checked before anything is sent to AWS.
 */
import { CONVERSATION_EVENT_KINDS } from '../../functions/shared/events.js';

/** A problem an operator can fix (a bad flag, a stack without an archive); the CLI prints its message alone. */
export class ReplayToolError extends Error {
  override readonly name = 'ReplayToolError';
}

/** A replay request: events whose `time` is in [from, to), and the kinds the operator expects the rule to pass. */
export interface ReplayWindow {
  from: Date;
  to: Date;
  /** Kinds to check the rule passes before replaying; empty when --kinds was not given. */
  kinds: string[];
}

/** ISO 8601 with a date, a time and a zone: a time without a zone would be read in this machine's zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `value` of flag `--name` as a time; a ReplayToolError names the flag and the form it wants. */
export function parseTime(name: string, value: string | undefined): Date {
  if (value === undefined) throw new ReplayToolError(`--${name} is required: an ISO 8601 time with its zone, e.g. 2026-12-02T09:00:00Z`);
  const time = new Date(value);
  if (!ISO_TIME.test(value) || Number.isNaN(time.getTime())) {
    throw new ReplayToolError(`--${name} ${value} is not an ISO 8601 time with its zone (e.g. 2026-12-02T09:00:00Z or 2026-12-02T10:00+01:00)`);
  }
  return time;
}

/** The kinds of `--kinds a,b`, each one of Genesys' conversation kinds (functions/shared/events.ts). */
export function parseKinds(value: string | undefined): string[] {
  if (value === undefined) return [];
  const kinds = value.split(',').map((kind) => kind.trim()).filter((kind) => kind !== '');
  if (kinds.length === 0) throw new ReplayToolError('--kinds names no kind: give them separated by commas, e.g. --kinds customer.start,acw');
  const unknown = kinds.filter((kind) => !(CONVERSATION_EVENT_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new ReplayToolError(`--kinds: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} conversation kind (${CONVERSATION_EVENT_KINDS.join(', ')})`);
  return [...new Set(kinds)];
}

/** The window of the flags, checked: from before to, and to not after `now` (an archive holds no future). */
export function parseWindow(flags: { from?: string; to?: string; kinds?: string }, now: Date = new Date()): ReplayWindow {
  const from = parseTime('from', flags.from);
  const to = parseTime('to', flags.to);
  if (from.getTime() >= to.getTime()) throw new ReplayToolError(`--from ${from.toISOString()} must be before --to ${to.toISOString()}`);
  if (to.getTime() > now.getTime()) throw new ReplayToolError(`--to ${to.toISOString()} is in the future (now is ${now.toISOString()}): no event of it is archived yet`);
  return { from, to, kinds: parseKinds(flags.kinds) };
}
