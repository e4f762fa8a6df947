/**
 * The metrics vocabulary: every metric name, the sink the logic records into, and small helpers. No
 * instance lives here (that is metrics.ts, built once per execution environment), so the logic and
 * its tests import this without configuring Powertools. Dimensions: `service` on every metric, and
 * at most one more where a graph splits by it: `errorName` on {@link MetricName.EventsParked},
 * `statusClass` on {@link MetricName.GenesysRequests}.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';

/** Namespace when POWERTOOLS_METRICS_NAMESPACE is not set (tests, tools); template.yaml always sets it. */
export const DEFAULT_METRICS_NAMESPACE = 'GenesysEventsPipeline';

/** Every metric the functions emit; the dashboard and docs/operations.md use the same names. */
export const MetricName = {
  /** Dispatcher: a record whose workflow wrote its attributes to Genesys. */
  EventsApplied: 'EventsApplied',
  /** Dispatcher: a record of a kind the workflow routes past Genesys. */
  EventsNotActedOn: 'EventsNotActedOn',
  /** Dispatcher: a record parked in the DLQ; dimension `errorName`. */
  EventsParked: 'EventsParked',
  /** Dispatcher: a delivery the idempotency store answered, starting nothing. */
  DuplicatesSuppressed: 'DuplicatesSuppressed',
  /** Dispatcher: a record handed back to SQS for another receive. */
  Redeliveries: 'Redeliveries',
  /** Dispatcher: a record still unsettled when its invocation's deadline came (batch.ts), handed back or parked. */
  DeadlineReached: 'DeadlineReached',
  /** Dispatcher: an idempotency save that failed after its record had settled; the outcome stood. */
  IdempotencySaveFailed: 'IdempotencySaveFailed',
  /** Both: a retry the AWS SDK made within one call's budget (functions/shared/aws-clients.ts). */
  AwsCallRetries: 'AwsCallRetries',
  /** Dispatcher: Genesys event time (`eventBody.eventTime`) to the workflow's answer, for applied events (ms). */
  EndToEndLatency: 'EndToEndLatency',
  /** Dispatcher: one Express execution, start to stop as Step Functions reports it (ms). */
  WorkflowDuration: 'WorkflowDuration',
  /** Processor: one Genesys API request; dimension `statusClass` (2xx, 4xx, 429, 5xx, none). */
  GenesysRequests: 'GenesysRequests',
  /** Processor: time to a Genesys API answer, per request (ms). */
  GenesysRequestLatency: 'GenesysRequestLatency',
  /** Processor: one OAuth token request to Genesys (login.{environment}/oauth/token). */
  GenesysTokenRequests: 'GenesysTokenRequests',
  /** Processor, budget per OAuth client: one write to the RateBudgetTable (a slot taken or tried, a Retry-After or a reported budget shared). */
  RateBudgetWrites: 'RateBudgetWrites',
  /** Processor, budget per OAuth client: one read of the RateBudgetTable (a slot taken ahead checked against a Retry-After met meanwhile). */
  RateBudgetReads: 'RateBudgetReads',
} as const;

/** A metric name of {@link MetricName}. */
export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];

/** The units used here, as Powertools spells them. */
export type PipelineUnit = typeof MetricUnit.Count | typeof MetricUnit.Milliseconds;

/**
 * The slice of Powertools Metrics the functions use, so that tests pass a recorder instead of
 * mocking the module. A Powertools `Metrics` satisfies it.
 */
export interface MetricsSink {
  addMetric(name: string, unit: PipelineUnit, value: number): void;
  /** A metric published on its own with one extra dimension (Powertools `singleMetric`). */
  singleMetric(): { addDimension(name: string, value: string): void; addMetric(name: string, unit: PipelineUnit, value: number): void };
}

/** A sink that drops everything: the default where a caller passes none (tools, older tests). */
export const noMetrics: MetricsSink = {
  addMetric: () => undefined,
  singleMetric: () => ({ addDimension: () => undefined, addMetric: () => undefined }),
};

/** Counts one of `name` with one extra dimension, published at once. */
export function countWithDimension(sink: MetricsSink, name: MetricNameValue, dimension: string, value: string): void {
  const single = sink.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** The `statusClass` of a Genesys answer: 429 apart from the other 4xx; `none` when nothing answered. */
export function statusClassOf(status: number | undefined): string {
  if (status === undefined || status <= 0) return 'none';
  if (status === 429) return '429';
  return `${Math.floor(status / 100)}xx`;
}

export { MetricUnit };
