/** The attributes Genesys holds after a run, against what the run's events imply. */
import type { ExpectedState } from '../load/entry.js';
import { expectedState } from '../load/expected-state.js';
import { parkedByEventId } from './fates.js';
import type { Observation, RunExpectations } from './observation.js';
import type { RunSummary } from './summary.js';

/** Most differences a summary lists. */
const LISTED_MISMATCHES = 20;

/**
 * Compares the simulator's attributes with the expected ones, key by key; lists the differences.
 * A key found but not expected is no difference when `tolerated` holds it with the same value: a parked
 * event's write may still have landed (a task that timed out after Genesys applied it), and writing it
 * is what the event implies anyway.
 */
export function compareState(
  expected: ExpectedState,
  actual: ExpectedState,
  tolerated: ExpectedState = {},
): { participants: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let participants = 0;
  const conversations = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const conversationId of conversations) {
    const participantIds = new Set([...Object.keys(expected[conversationId] ?? {}), ...Object.keys(actual[conversationId] ?? {})]);
    for (const participantId of participantIds) {
      participants += 1;
      const want = expected[conversationId]?.[participantId] ?? {};
      const have = actual[conversationId]?.[participantId] ?? {};
      for (const key of new Set([...Object.keys(want), ...Object.keys(have)])) {
        const mayHave = tolerated[conversationId]?.[participantId]?.[key];
        if (want[key] === undefined && have[key] !== undefined && have[key] === mayHave) continue;
        if (want[key] !== have[key]) {
          mismatches.push(`${conversationId}/${participantId} ${key}: expected ${JSON.stringify(want[key])}, found ${JSON.stringify(have[key])}`);
        }
      }
    }
  }
  return { participants, mismatches };
}

/**
 * What the valid events that were not parked imply, against what Genesys holds of the run's
 * conversations; what the parked ones imply is tolerated, since their writes may have landed too.
 */
export function checkState(observation: Observation, expectations: RunExpectations): RunSummary['state'] {
  const parked = parkedByEventId(observation.parked);
  const valid = expectations.events.flatMap((event, index) => (event.expected === 'valid' ? [{ event, index }] : []));
  const isParked = ({ index }: { index: number }): boolean => {
    const id = observation.eventIds[index];
    return id !== undefined && parked.has(id);
  };
  const expected = expectedState(valid.filter((item) => !isParked(item)).map(({ event }) => event.entry), expectations.conversations);
  const tolerated = expectedState(valid.filter(isParked).map(({ event }) => event.entry), expectations.conversations);
  const touched = new Set(expectations.conversations.map((c) => c.id));
  const actual = Object.fromEntries(Object.entries(observation.genesys.state).filter(([conversationId]) => touched.has(conversationId)));
  const { participants, mismatches } = compareState(expected, actual, tolerated);
  return { participants, matches: mismatches.length === 0, mismatches: mismatches.slice(0, LISTED_MISMATCHES) };
}
