/**
 * One run of load through a local stack, and its account: where every event went, checked against
 * the Genesys simulator's attribute state. `npm start`, the end-to-end tests, the chaos suite and the
 * benchmarks use it. The run observes (run/observe.ts); the account is a pure function of that (run/accounting.ts).
 */
import type { LocalStack } from '../stack/index.js';
import { account } from './run/accounting.js';
import { observeRun, type RunOptions } from './run/observe.js';
import type { RunSummary } from './run/summary.js';

export type { ParkedMessage } from '../../tools/dlq/peek.js';
export { account } from './run/accounting.js';
export type { Observation, RunEvent, RunExpectations } from './run/observation.js';
export { observeRun, type RunOptions, type RunProgress } from './run/observe.js';
export { DEFAULT_SAMPLE_EVERY_MS, emptyRunSeries, runSeries, type RunSeries } from './run/series.js';
export { compareState } from './run/state-check.js';
export { summaryLine, type RunSummary } from './run/summary.js';

/**
 * Publishes the events to the stack's bus, waits for the queue to drain, and accounts for every one:
 * applied (its attributes are on its participant in the simulator), not acted on, parked (in a DLQ with
 * its reason) or lost.
 */
export async function runLoad(stack: LocalStack, options: RunOptions): Promise<RunSummary> {
  return account(await observeRun(stack, options), options);
}
