import fc from 'fast-check';
import { MAX_VISIBILITY_TIMEOUT_SECONDS, redeliveryDelaySeconds, redeliveryWindowSeconds } from '../../functions/dispatcher/backoff.js';

const curve = { baseSeconds: 2, maxSeconds: 300 };
const highest = () => 1 - Number.EPSILON;

describe('redeliveryDelaySeconds', () => {
  it('doubles its ceiling with every receive', () => {
    expect([1, 2, 3, 4, 5].map((count) => redeliveryDelaySeconds(count, curve, highest))).toEqual([2, 4, 8, 16, 32]);
  });

  it('never exceeds the cap, however many receives', () => {
    expect(redeliveryDelaySeconds(9, curve, highest)).toBe(300);
    expect(redeliveryDelaySeconds(5_000, curve, highest)).toBe(300);
  });

  it('never exceeds what SQS accepts as a visibility timeout', () => {
    expect(redeliveryDelaySeconds(40, { baseSeconds: 2, maxSeconds: 10 ** 9 }, highest)).toBe(MAX_VISIBILITY_TIMEOUT_SECONDS);
  });

  it('applies equal jitter: anywhere between half the ceiling and the ceiling', () => {
    expect(redeliveryDelaySeconds(5, curve, () => 0)).toBe(16);
    expect(redeliveryDelaySeconds(5, curve, () => 0.5)).toBe(24);
    expect(redeliveryDelaySeconds(5, curve, highest)).toBe(32);
    const seen = new Set(Array.from({ length: 200 }, () => redeliveryDelaySeconds(5, curve)));
    expect(seen.size).toBeGreaterThan(10);
  });

  it.each([1, 2, 3, 5, 8, 13, 100])('stays within [half the ceiling, cap] at receive %i for any random in [0, 1)', (receiveCount) => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        const delay = redeliveryDelaySeconds(receiveCount, curve, () => r);
        const ceiling = Math.min(curve.maxSeconds, curve.baseSeconds * 2 ** (receiveCount - 1));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(ceiling / 2)));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it.each([
    ['zero', 0],
    ['negative', -3],
    ['not a number', Number.NaN],
  ])('treats a receive count that is %s as the first receive', (_label, receiveCount) => {
    expect(redeliveryDelaySeconds(receiveCount, curve, highest)).toBe(2);
  });

  it('waits at least 1 s even with a sub-second base', () => {
    expect(redeliveryDelaySeconds(1, { baseSeconds: 0.2, maxSeconds: 300 }, highest)).toBe(1);
  });

  it('spans a guaranteed window over a record\'s receives, whatever the jitter draws', () => {
    // 4 delays between 5 receives: ceilings 2, 4, 8, 16.
    expect(redeliveryWindowSeconds(5, curve)).toEqual({ min: 1 + 2 + 4 + 8, max: 2 + 4 + 8 + 16 });
  });
});
