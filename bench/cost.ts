/**
 * Dollars per million events: a cost model fed with the template's settings and the measured request
 * counts and durations of a run. Every price is in PRICES, with the date it was read; change them there.
 */

/** AWS list prices, us-east-1, arm64 Lambda, read on PRICES.date. Free tiers are left out. */
export const PRICES = {
  date: '2025-06-01',
  region: 'us-east-1',
  /** EventBridge: events published to a bus (a partner event counts per 64 KB chunk). */
  eventBridgePerMillionEvents: 1.0,
  /** SQS standard queue: requests (each 64 KB chunk of a request). */
  sqsPerMillionRequests: 0.4,
  /** Lambda arm64: requests and GB-seconds (first tier). */
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  /** Step Functions Express: requests, and GB-seconds billed per 100 ms with 64 MB chunks. */
  expressPerMillionRequests: 1.0,
  expressPerGbSecond: 0.00001667,
  /** DynamoDB on-demand: write and read request units. */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /** Secrets Manager: API calls (the secret's $0.40 a month is fixed, not per event). */
  secretsManagerPer10kCalls: 0.05,
  /** CloudWatch Logs: ingestion (standard log class). */
  logsPerGbIngested: 0.5,
  /** X-Ray: traces recorded (Tracing: Active on both functions and the state machine). */
  xrayPerMillionTraces: 5.0,
} as const;

/** What one configuration does per applied event, measured, and the settings it ran with. */
export interface CostInputs {
  /** SQS requests per event: EventBridge's send, receives, deletes, visibility changes, DLQ sends. */
  sqsRequestsPerEvent: number;
  /** Dispatcher invocations (one per batch) per event. */
  dispatcherInvocationsPerEvent: number;
  /** Dispatcher billed seconds per event: the batch's wall time (it waits for every sync execution) over the records. */
  dispatcherSecondsPerEvent: number;
  dispatcherMemoryMb: number;
  processorInvocationsPerEvent: number;
  processorSecondsPerEvent: number;
  processorMemoryMb: number;
  /** Express executions per event (one per delivered record). */
  executionsPerEvent: number;
  /** Mean billed duration of one execution, seconds (before rounding up to 100 ms). */
  executionSeconds: number;
  dynamoDbWritesPerEvent: number;
  dynamoDbReadsPerEvent: number;
  secretsManagerCallsPerEvent: number;
  logBytesPerEvent: number;
  /** Share of events X-Ray records a trace for (default sampling: 1 a second, then 5 %). */
  tracedShare: number;
}

/** Dollars per million events, by line, and the total. */
export interface CostBreakdown {
  lines: Record<string, number>;
  total: number;
}

/** Express bills memory in 64 MB chunks (at least one) and duration in 100 ms steps. */
export const EXPRESS_MEMORY_GB = 64 / 1024;

/** The model. */
export function costPerMillionEvents(inputs: CostInputs): CostBreakdown {
  const million = 1_000_000;
  const gb = (mb: number): number => mb / 1024;
  const billedExpressSeconds = Math.max(0.1, Math.ceil(inputs.executionSeconds * 10) / 10);
  const lines: Record<string, number> = {
    EventBridge: PRICES.eventBridgePerMillionEvents,
    SQS: inputs.sqsRequestsPerEvent * PRICES.sqsPerMillionRequests,
    'Lambda requests': (inputs.dispatcherInvocationsPerEvent + inputs.processorInvocationsPerEvent) * PRICES.lambdaPerMillionRequests,
    'Lambda GB-s': million * PRICES.lambdaArmPerGbSecond * (inputs.dispatcherSecondsPerEvent * gb(inputs.dispatcherMemoryMb) + inputs.processorSecondsPerEvent * gb(inputs.processorMemoryMb)),
    'Express requests': inputs.executionsPerEvent * PRICES.expressPerMillionRequests,
    'Express GB-s': million * inputs.executionsPerEvent * billedExpressSeconds * EXPRESS_MEMORY_GB * PRICES.expressPerGbSecond,
    DynamoDB: inputs.dynamoDbWritesPerEvent * PRICES.dynamoDbPerMillionWriteUnits + inputs.dynamoDbReadsPerEvent * PRICES.dynamoDbPerMillionReadUnits,
    'Secrets Manager': (million * inputs.secretsManagerCallsPerEvent * PRICES.secretsManagerPer10kCalls) / 10_000,
    'CloudWatch Logs': (million * inputs.logBytesPerEvent * PRICES.logsPerGbIngested) / 2 ** 30,
    'X-Ray': inputs.tracedShare * PRICES.xrayPerMillionTraces,
  };
  return { lines, total: Object.values(lines).reduce((sum, value) => sum + value, 0) };
}

/** X-Ray's default sampling rule (a reservoir of 1 a second, then 5 %), as a share of events at `perSecond`. */
export function defaultTracedShare(perSecond: number): number {
  if (perSecond <= 1) return 1;
  return (1 + 0.05 * (perSecond - 1)) / perSecond;
}

/** The line that differs most between two breakdowns: the lever that moves the cost most. */
export function biggestLever(design: CostBreakdown, baseline: CostBreakdown): { line: string; saving: number } {
  let best = { line: 'none', saving: 0 };
  for (const line of Object.keys(baseline.lines)) {
    const saving = (baseline.lines[line] ?? 0) - (design.lines[line] ?? 0);
    if (Math.abs(saving) > Math.abs(best.saving)) best = { line, saving };
  }
  return best;
}
