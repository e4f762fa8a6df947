import fc from 'fast-check';
import { ACTED_ON_KINDS, attributesFor } from '../helpers/default-actions.js';

/** Genesys' merge of a PATCH into a participant's attributes: the given keys, last write per key wins. */
function merge(state: Record<string, string>, attributes: Record<string, string>): Record<string, string> {
  return { ...state, ...attributes };
}

const CONVERSATION = '6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60';
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));

/**
 * Events of one participant as Genesys sends them: each kind at most once per event time, since one
 * event of a kind and time is one fact (a repeat is the same event again).
 */
const events = fc
  .array(
    fc.record({
      kind: fc.constantFrom(...ACTED_ON_KINDS),
      eventTime: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      queueId: text,
      userId: text,
      wrapupCode: text,
      disconnectType: text,
    }),
    { maxLength: 12 },
  )
  .map((list) => {
    const seen = new Set<string>();
    // Non-acw kinds happen once per participant; acw once per event time (a reopen is a new time).
    return list.filter((event) => {
      const key = event.kind === 'acw' ? `acw@${event.eventTime}` : event.kind;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

function toWrites(list: { kind: string; eventTime: number; queueId: string; userId: string; wrapupCode: string; disconnectType: string }[]): Record<string, string>[] {
  return list.map(({ kind, ...fields }) => attributesFor(kind, { conversationId: CONVERSATION, ...fields }));
}

describe('the attribute merge', () => {
  it('is commutative: any order of delivery ends in the same state', () => {
    fc.assert(
      fc.property(events.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))), ([list, shuffled]) => {
        const inOrder = toWrites(list).reduce(merge, {});
        const reordered = toWrites(shuffled).reduce(merge, {});
        expect(reordered).toEqual(inOrder);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent: any event repeated any number of times changes nothing', () => {
    fc.assert(
      fc.property(events, fc.array(fc.nat(), { maxLength: 10 }), (list, repeats) => {
        const once = toWrites(list).reduce(merge, {});
        const all = toWrites(list);
        const repeated = [...all, ...repeats.filter(() => all.length > 0).map((n) => all[n % all.length] as Record<string, string>)];
        expect(repeated.reduce(merge, once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('writes string values only, under keys of our own prefix', () => {
    fc.assert(
      fc.property(events, (list) => {
        for (const attributes of toWrites(list)) {
          for (const [key, value] of Object.entries(attributes)) {
            expect(key.startsWith('aws.')).toBe(true);
            expect(typeof value).toBe('string');
          }
        }
      }),
    );
  });
});
