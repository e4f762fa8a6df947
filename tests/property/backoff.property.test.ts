import fc from 'fast-check';
import { MAX_VISIBILITY_TIMEOUT_SECONDS, redeliveryDelaySeconds, redeliveryWindowSeconds } from '../../functions/dispatcher/backoff.js';
import { refreshMarginMs } from '../../functions/shared/genesys/token.js';
import { retryDelays } from '../../tools/invariants/index.js';
import { loadDefinition, loadTemplate, type Retrier } from '../../template/index.js';

const curve = fc.record({ baseSeconds: fc.double({ min: 0.01, max: 100_000, noNaN: true }), maxSeconds: fc.double({ min: 0.01, max: 10 ** 9, noNaN: true }) });
const random = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(Number.NaN, -1, 2, Infinity));

describe('retry and backoff computations stay within their caps', () => {
  it('a redelivery delay is a whole number of seconds in [max(1, ⌈ceiling/2⌉), ceiling], never above what SQS accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -5, max: 10_000 }), fc.double()), curve, random, (receiveCount, options, r) => {
        const delay = redeliveryDelaySeconds(receiveCount, options, () => r);
        const attempt = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
        const cap = Math.max(1, Math.floor(Math.min(options.maxSeconds, MAX_VISIBILITY_TIMEOUT_SECONDS)));
        const ceiling = Math.max(1, Math.min(cap, Math.floor(options.baseSeconds * 2 ** (attempt - 1))));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(ceiling / 2)));
        expect(delay).toBeLessThanOrEqual(Math.min(ceiling, MAX_VISIBILITY_TIMEOUT_SECONDS));
      }),
      { numRuns: 1000 },
    );
  });

  it('the redelivery window of n receives lies between its bounds for any draws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), curve, fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 12, maxLength: 12 }), (receives, options, draws) => {
        const { min, max } = redeliveryWindowSeconds(receives, options);
        let total = 0;
        for (let receive = 1; receive < receives; receive += 1) total += redeliveryDelaySeconds(receive, options, () => draws[receive] as number);
        expect(total).toBeGreaterThanOrEqual(min);
        expect(total).toBeLessThanOrEqual(max);
      }),
    );
  });

  it("every retrier's delays in the ASL stay within its MaxDelaySeconds", () => {
    const asl = loadDefinition(loadTemplate());
    const retriers = Object.values(asl.States).flatMap((state) => state.Retry ?? []);
    expect(retriers.length).toBeGreaterThan(0);
    for (const retrier of retriers as Retrier[]) {
      expect(retrier.MaxDelaySeconds).toBeDefined();
      for (const delay of retryDelays(retrier)) expect(delay).toBeLessThanOrEqual(retrier.MaxDelaySeconds as number);
      expect(retrier.JitterStrategy).toBe('FULL');
    }
  });

  it('a token is refreshed before it expires, at most 60 s early', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 7 }), (expiresIn) => {
        const margin = refreshMarginMs(expiresIn);
        expect(margin).toBeGreaterThan(0);
        expect(margin).toBeLessThanOrEqual(60_000);
        expect(margin).toBeLessThan(expiresIn * 1000);
      }),
    );
  });
});
