/**
 * The account of a run: from what it observed and what it expected, where every event went and what
 * it cost. A pure function, no I/O, so it is tested without a stack (tests/unit/run-accounting.test.ts).
 */
import { countByErrorName } from '../dead-letters.js';
import { defaultActions } from '../../../tools/actions/index.js';
import { detailTypeShape, eventFates, type EventFate } from './fates.js';
import { genesysTotals } from './genesys-requests.js';
import type { Observation, RunExpectations, RunEvent } from './observation.js';
import { checkState } from './state-check.js';
import type { ParkedEvent, RunSummary } from './summary.js';

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

/** Latency percentiles of the applied events' samples. */
export function latencySummary(samples: readonly number[]): RunSummary['latencyMs'] {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0, samples: sorted.length };
}

/** The latencies of the applied events, in the order they were sent. */
export function latenciesOf(fates: readonly EventFate[]): number[] {
  return fates.flatMap((fate) => (fate.latencyMs === undefined ? [] : [fate.latencyMs]));
}

/** Entries whose detail repeats an earlier entry's, compared as canonical JSON so a user's whitespace hides no repeat. */
function repeatedEvents(events: readonly RunEvent[]): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const { entry } of events) {
    let key = entry.Detail;
    try {
      key = JSON.stringify(JSON.parse(entry.Detail));
    } catch {
      // not JSON: compared as it is
    }
    if (seen.has(key)) repeats += 1;
    seen.add(key);
  }
  return repeats;
}

/** Counts the fates of a run's events. */
function fateCounts(fates: readonly EventFate[]): Pick<RunSummary, 'applied' | 'notActedOn' | 'lost' | 'validParked' | 'malformedNotParked'> {
  const count = (test: (fate: EventFate) => boolean): number => fates.filter(test).length;
  return {
    applied: count((fate) => fate.fate === 'applied'),
    notActedOn: count((fate) => fate.fate === 'notActedOn'),
    lost: count((fate) => fate.fate === 'lost'),
    validParked: count((fate) => fate.validParked === true),
    malformedNotParked: count((fate) => fate.malformedNotParked === true),
  };
}

/** Applied events and their writes per action, every action of the file listed (those that applied none with zeros). */
function byAction(fates: readonly EventFate[], expectations: RunExpectations): RunSummary['byAction'] {
  const counts: RunSummary['byAction'] = Object.fromEntries((expectations.actions ?? defaultActions()).actions.map((action) => [action.name, { applied: 0, writes: 0 }]));
  for (const { action } of fates) {
    if (action === undefined) continue;
    const count = (counts[action.name] ??= { applied: 0, writes: 0 });
    count.applied += 1;
    count.writes += action.writes;
  }
  return counts;
}

/** The events the rule filtered, counted by detail-type (and source, when the source is what failed). */
function filteredByDetailType(fates: readonly EventFate[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { filteredByRule } of fates) {
    if (filteredByRule === undefined) continue;
    const key = filteredByRule.fields.includes('source') ? `${filteredByRule.detailType} from ${filteredByRule.source}` : filteredByRule.detailType;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The run's parked events with their reasons, the unexpected first, each group in the run's order. */
function parkedEvents(fates: readonly EventFate[], expectations: RunExpectations): ParkedEvent[] {
  const events = fates.flatMap((fate, index): ParkedEvent[] => {
    const entry = expectations.events[index]?.entry;
    if (fate.parked === undefined || entry === undefined) return [];
    const expected = fate.validParked !== true && fate.malformedNotParked !== true;
    return [{ index, detailType: detailTypeShape(entry.DetailType), ...fate.parked, expected }];
  });
  return [...events.filter((event) => !event.expected), ...events.filter((event) => event.expected)];
}

/** The summary of a run: every event accounted for, and what the run cost in requests, retries and time. */
export function account(observation: Observation, expectations: RunExpectations): RunSummary {
  const fates = eventFates(observation, expectations);
  const counts = fateCounts(fates);
  const genesys = genesysTotals(observation.genesys.requests);
  const durationMs = observation.endedAt - observation.startedAt;
  return {
    in: observation.sent,
    applied: counts.applied,
    notActedOn: counts.notActedOn,
    filteredByRule: fates.filter((fate) => fate.filteredByRule !== undefined).length,
    filteredByDetailType: filteredByDetailType(fates),
    byAction: byAction(fates, expectations),
    parked: observation.parked.length,
    parkedByReason: countByErrorName(observation.parked),
    parkedEvents: parkedEvents(fates, expectations),
    lost: counts.lost,
    duplicates: observation.duplicatesSuppressed,
    repeatedEvents: repeatedEvents(expectations.events),
    genesysRequests: genesys.requests,
    genesysRequestsByStatus: genesys.byStatus,
    tokenRequests: genesys.tokenRequests,
    throttled: genesys.throttled,
    workflowRetries: observation.workflowRetries,
    redeliveries: observation.redeliveries,
    durationMs,
    throughputPerSecond: durationMs > 0 ? ((counts.applied + counts.notActedOn) * 1000) / durationMs : 0,
    latencyMs: latencySummary(latenciesOf(fates)),
    peakInFlightWorkflows: observation.peakInFlightWorkflows,
    validParked: counts.validParked,
    malformedNotParked: counts.malformedNotParked,
    state: checkState(observation, expectations),
    drained: observation.drained,
  };
}
