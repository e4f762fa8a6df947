/** The account of a run as `npm start`, the tests and the benchmarks read it, and its machine-readable line. */

/** A parked event of the run and why, as its DLQ copy says. */
export interface ParkedEvent {
  /** Its position in the run's events. */
  index: number;
  /** Its detail-type, ids as `{id}`. */
  detailType: string;
  errorName: string;
  errorMessage?: string;
  /** Whether the run meant it to park: a malformed event as InvalidEvent, or a fault the run injects on purpose. */
  expected: boolean;
}

/** The account of a run. Every figure is measured, none assumed. */
export interface RunSummary {
  in: number;
  applied: number;
  /** Events with nothing to write: filtered by the rule, or valid and routed past Genesys by the workflow. Done, not failed. */
  notActedOn: number;
  /** Of those, events the rule's pattern does not match (a kind no action uses, another source, not a conversation event): they never reach SQS. */
  filteredByRule: number;
  /**
   * Those events by detail-type, ids as `{id}` (`v2.users.{id}.presence`); one the rule filtered for its source
   * reads `<detail-type> from <source>`.
   */
  filteredByDetailType: Record<string, number>;
  /** Per action of the run's actions file: the events it applied and the Genesys writes they made. */
  byAction: Record<string, { applied: number; writes: number }>;
  parked: number;
  parkedByReason: Record<string, number>;
  /** Each parked event of the run with the reason its DLQ copy carries; those the run did not expect first. */
  parkedEvents: ParkedEvent[];
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
  /** Valid events parked, and not by design; {@link RunSummary.parkedEvents} names each one's errorName and message. */
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
