/**
 * The event EventBridge matches a pattern against, for an entry the harness sends; the matching itself is
 * tools/event-pattern.ts, which `npm run replay` reads too.
 */
import type { EventEntry } from '../load/entry.js';

export { patternMatches, unmatchedFields, UnsupportedPatternError } from '../../../tools/event-pattern.js';

/** The event EventBridge matches for a PutEvents entry: its envelope, the detail parsed (a detail that is not JSON matches nothing in it). */
export function envelopeOf(entry: EventEntry): Record<string, unknown> {
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    detail = undefined;
  }
  return { version: '0', source: entry.Source, 'detail-type': entry.DetailType, resources: entry.Resources ?? [], detail };
}
