/** The raw series of a run behind the HTML report's charts (local/harness/report), drawn from its observation. */
import { isLoginRequest } from '../../genesys-sim/paths.js';
import { latenciesOf } from './accounting.js';
import { eventFates } from './fates.js';
import type { Observation, QueueSample, RunExpectations } from './observation.js';

/** How often `npm start` samples the queues for the report's queue chart (ms). */
export const DEFAULT_SAMPLE_EVERY_MS = 500;

/** The raw series of a run, for the HTML report. Times are epoch ms. */
export interface RunSeries {
  startedAt: number;
  endedAt: number;
  /** Every {@link RunSeries.sampleEveryMs}: the EventsQueue by state, the DLQ, and workflows in flight. */
  samples: QueueSample[];
  sampleEveryMs: number;
  /** Sent → first write of its attributes, per applied event (ms); the summary's percentiles come from these. */
  latenciesMs: number[];
  /** Every request the Genesys simulator answered during the run; `token` for the OAuth endpoint. */
  genesysRequests: { time: number; status: number; token: boolean }[];
  /** Every write the simulator applied during the run. */
  writes: number[];
}

/** An empty series, for a report built from figures of its own (the report's tests). */
export function emptyRunSeries(sampleEveryMs = DEFAULT_SAMPLE_EVERY_MS): RunSeries {
  return { startedAt: 0, endedAt: 0, samples: [], sampleEveryMs, latenciesMs: [], genesysRequests: [], writes: [] };
}

/** The series of a run. */
export function runSeries(observation: Observation, expectations: RunExpectations): RunSeries {
  return {
    startedAt: observation.startedAt,
    endedAt: observation.endedAt,
    samples: [...observation.samples],
    sampleEveryMs: observation.sampleEveryMs,
    latenciesMs: latenciesOf(eventFates(observation, expectations)),
    genesysRequests: observation.genesys.requests.map((request) => ({ time: request.time, status: request.status, token: isLoginRequest(request) })),
    writes: observation.genesys.writes.map((write) => write.time),
  };
}
