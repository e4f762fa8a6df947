/** The account of a run as `npm start`, the tests and the benchmarks read it, and its machine-readable line. */

/** The account of a run. Every figure is measured, none assumed. */
export interface RunSummary {
  in: number;
  applied: number;
  /** Valid events no action matches: done, nothing to write (filtered by the rule, or routed past Genesys by the workflow). */
  notActedOn: number;
  /** Of those, events of a kind no action uses, which the rule keeps from SQS. */
  filteredByRule: number;
  /** Per action of the run's actions file: the events it applied and the Genesys writes they made. */
  byAction: Record<string, { applied: number; writes: number }>;
  parked: number;
  parkedByReason: Record<string, number>;
  lost: number;
  /** Deliveries the idempotency store answered without starting a workflow. */
  duplicates: number;
  /** Entries that repeat an earlier entry exactly (EventBridge delivers each as its own message). */
  repeatedEvents: number;
  genesysRequests: number;
  genesysRequestsByStatus: Record<string, number>;
  tokenRequests: number;
  throttled: number;
  /** The workflows' own retries: Task attempts beyond each Task state's first, as the Step Functions endpoint counted them. */
  workflowRetries: number;
  /** Records the dispatcher handed back to SQS for another receive. */
  redeliveries: number;
  durationMs: number;
  throughputPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; samples: number };
  peakInFlightWorkflows: number;
  /** Valid events parked for a reason a retry could have fixed (the run's faults outlasted the retries). */
  validParked: number;
  /** Malformed events applied or not parked as InvalidEvent: a validation hole. */
  malformedNotParked: number;
  state: { participants: number; matches: boolean; mismatches: string[] };
  drained: boolean;
}

/** The machine-readable last line of `npm start`. */
export function summaryLine(summary: RunSummary): string {
  return (
    `summary: in=${summary.in} applied=${summary.applied + summary.notActedOn} parked=${summary.parked} lost=${summary.lost} ` +
    `duplicates=${summary.duplicates} genesys_requests=${summary.genesysRequests} throttled=${summary.throttled} p99_ms=${Math.round(summary.latencyMs.p99)}`
  );
}
