/**
 * Injected trouble: the seeded draws of timeouts, latency and 5xx faults, and the token endpoint's
 * switch. Each draw has its own stream, so turning latency on does not change which requests fail.
 */
import { SeededRandom } from '../shared/random.js';
import type { Latency } from './settings.js';

/** How the token endpoint behaves: normally, refusing every client (401), or failing (503). */
export type TokenEndpointMode = 'ok' | 'refuse' | 'fail';

/** The draws and the switch; `seed` makes a run with the same requests in the same order repeat. */
export class Faults {
  private readonly faults: SeededRandom;
  private readonly timeouts: SeededRandom;
  private readonly latencies: SeededRandom;
  private tokenEndpoint: { mode: TokenEndpointMode; until: number } = { mode: 'ok', until: Infinity };

  constructor(
    seed: number,
    private readonly clock: () => number,
  ) {
    this.faults = SeededRandom.derive(seed, 'faults');
    this.timeouts = SeededRandom.derive(seed, 'timeouts');
    this.latencies = SeededRandom.derive(seed, 'latency');
  }

  /** Sets the token endpoint's behaviour for `forMs` ms of the clock, or until set again. */
  setTokenEndpoint(mode: TokenEndpointMode, forMs?: number): void {
    this.tokenEndpoint = { mode, until: forMs === undefined ? Infinity : this.clock() + forMs };
  }

  /** The token endpoint's behaviour now: back to 'ok' once a timed switch has run out. */
  tokenEndpointMode(): TokenEndpointMode {
    if (this.tokenEndpoint.until <= this.clock()) this.tokenEndpoint = { mode: 'ok', until: Infinity };
    return this.tokenEndpoint.mode;
  }

  /** Whether this request hangs unanswered (a share `rate` of them). */
  timesOut(rate: number): boolean {
    return this.timeouts.chance(rate);
  }

  /** This request's delay in ms: the fixed one, or a draw from the range. */
  delayMs(latency: Latency): number {
    if (typeof latency === 'number') return latency;
    return latency.min + this.latencies.next() * (latency.max - latency.min);
  }

  /** The 5xx this request is answered with (a share `rate` of them), or undefined. */
  faultStatus(rate: number, statuses: readonly number[]): number | undefined {
    return this.faults.chance(rate) ? this.faults.pick(statuses) : undefined;
  }
}
