/**
 * The scenarios of `npm run chaos` (issue 4). Each states what it proves and the bounds the design
 * implies for it; docs/reliability.md derives the bounds and records a run.
 *
 * Stretches are given in deployed seconds and run at the suite's SQS scale (`run.sqsMs`), because what
 * a stretch is measured against is the redelivery window (RETRY_*_DELAY_SECONDS × MaxReceiveCount).
 */
import { readFileSync } from 'node:fs';
import { inputCases } from './inputs.js';
import { after, type Scenario, type ScenarioRun } from './runner.js';

/** The load of most scenarios: the troubles Genesys really sends, as `npm start` sends them. */
const LOAD = { events: 120, conversations: 15, duplicateRate: 0.03, outOfOrderRate: 0.1, malformedRate: 0.02, missingParticipantRate: 0.05 };

/**
 * Requests per applied event without faults: one PATCH, plus one GET for an event without participantId
 * (≤ 5 % of customer events), plus repeated events (3 %), each applied as its own message. 1.3 leaves room.
 */
const CLEAN = 1.3;

/** Calls `action` every `everyMs` until the load is published and `times` calls landed (those answering true). */
async function repeatedly(run: ScenarioRun, everyMs: number, times: number, action: () => Promise<boolean> | boolean): Promise<number> {
  let done = false;
  void run.published.then(() => {
    done = true;
  });
  let landed = 0;
  const deadline = Date.now() + 120_000;
  while (landed < times && Date.now() < deadline && !(done && landed > 0)) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    if (await action()) landed += 1;
  }
  return landed;
}

/** The dispatcher's own AWS calls and the processor's secret read: what `aws-calls-hang` stalls. */
const BUDGETED_AWS_CALLS = ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'SendMessage', 'ChangeMessageVisibility', 'GetSecretValue'];

/** Sum of one EMF metric over the run's log: what CloudWatch would count (0 when never emitted). */
function metricSum(run: ScenarioRun, name: string): number {
  const file = run.stack.logFile;
  if (file === undefined) return 0;
  let sum = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{"_aws"') || !line.includes(`"${name}"`)) continue;
    const value = (JSON.parse(line) as Record<string, unknown>)[name];
    for (const n of Array.isArray(value) ? value : [value]) sum += typeof n === 'number' ? n : 0;
  }
  return sum;
}

/** Every scenario, in the order the suite runs them. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    proves: 'the reference: without faults every event is applied once per delivery, with no retry, 429 or extra token',
    load: { ...LOAD, seed: 11 },
    bounds: { requestsPerApplied: CLEAN, throttled: 0 },
  },
  {
    name: 'genesys-5xx-20pct',
    proves: 'a fifth of Genesys answers being 500/502/503/504 costs retries, never an event',
    load: { ...LOAD, seed: 12 },
    genesys: { faultRate: 0.2 },
    // 1/(1 − 0.2) = 1.25 requests per success, times CLEAN; the workflow's 3 attempts absorb all but 0.8 % of events.
    bounds: { requestsPerApplied: 2, throttled: 0 },
  },
  {
    name: 'genesys-down-10min',
    proves: 'Genesys answering 503 to everything for 10 minutes, then coming back, parks nothing: the redelivery window outlasts the outage',
    load: { ...LOAD, seed: 13 },
    genesys: { down: true },
    async faults(run) {
      await after(run.sqsMs(600), () => run.stack.simulator.configure({ down: false }));
    },
    // Per receive during the outage: 3 attempts (1 + 2 retries of Genesys.Unavailable), one request each; ≤ 5 receives.
    bounds: { requestsPerApplied: CLEAN + 15, throttled: 0 },
  },
  {
    name: '429-storm',
    proves: 'offered load far above the Genesys limit for 5 minutes ends applied; 429s cost attempts, not events',
    load: { ...LOAD, events: 200, conversations: 25, seed: 14 },
    // 20 requests per (scaled) minute per token against 200 events offered at once, the budget unreported:
    // the storm the limiter would otherwise see coming (a reported budget is paced to, see tests/e2e/pipeline.test.ts).
    genesys: { requestsPerMinute: 20, rateLimitHeaders: false },
    async faults(run) {
      await after(run.sqsMs(300), () => run.stack.simulator.configure({ requestsPerMinute: 300 }));
    },
    // A 429 ends an attempt (or is waited out once in place): ≤ 2 per call and attempt, ≤ 4 attempts per receive, ≤ 5 receives.
    bounds: { requestsPerApplied: CLEAN + 40, throttled: (summary) => 40 * summary.applied },
  },
  {
    name: 'tokens-revoked',
    proves: 'tokens revoked mid-run cost one 401 and one login per execution environment and revocation',
    load: { ...LOAD, seed: 15 },
    ratePerSecond: 60,
    async faults(run) {
      run.counts.revocations = await repeatedly(run, 700, 3, () => run.stack.simulator.revokeAllTokens() > 0);
    },
    // Each revocation: ≤ one 401 per environment (20) on top of the clean requests.
    bounds: { requestsPerApplied: CLEAN + 0.8, throttled: 0 },
  },
  {
    name: 'token-endpoint-refusing-5min',
    proves: 'a token endpoint refusing the client (401) for 5 minutes, with every token revoked, parks nothing once it accepts again',
    load: { ...LOAD, seed: 16 },
    async faults(run) {
      run.stack.simulator.revokeAllTokens();
      run.stack.simulator.setTokenEndpoint('refuse', run.sqsMs(300));
      await after(run.sqsMs(300), () => undefined);
    },
    // While refused: one 401 per attempt (Genesys.Unauthorized is not retried in the workflow), ≤ 5 receives.
    bounds: { requestsPerApplied: CLEAN + 5, throttled: 0 },
  },
  {
    name: 'token-expires-early',
    proves: 'a token Genesys drops long before its expires_in costs a 401 and a fresh login, not an event',
    load: { ...LOAD, seed: 17 },
    ratePerSecond: 60,
    async faults(run) {
      // Every token dies within 1.5 s although expires_in says a day.
      run.counts.revocations = await repeatedly(run, 1500, 100, () => {
        run.stack.simulator.revokeAllTokens();
        return true;
      });
    },
    bounds: { requestsPerApplied: CLEAN + 1.5, throttled: 0 },
  },
  {
    name: 'genesys-slower-than-timeout',
    proves: 'Genesys answering after the request timeout for a share of requests (some writes land after the client gave up) ends applied, once in effect',
    load: { ...LOAD, seed: 18 },
    // The processor's request timeout is 3000 ms / timeScale (750 ms); ~15 % of answers take longer, 5 % never come.
    genesys: { latencyMs: { min: 0, max: 880 }, timeoutRate: 0.05, timeoutMs: 4000 },
    bounds: { requestsPerApplied: CLEAN + 3, throttled: 0 },
  },
  {
    name: 'dispatcher-killed',
    proves: 'a dispatcher environment dying mid-batch loses nothing: the batch comes back after the visibility timeout and the idempotency record lets it run once more',
    load: { ...LOAD, seed: 19 },
    ratePerSecond: 40,
    genesys: { latencyMs: 100 },
    async faults(run) {
      run.counts.dispatcherKills = await repeatedly(run, 400, 3, () => run.stack.runtime.killEnvironment('DispatcherFunction'));
    },
    allowedFailedBatches: (counts) => counts.dispatcherKills ?? 0,
    bounds: { requestsPerApplied: CLEAN + 1, throttled: 0 },
  },
  {
    name: 'processor-killed',
    proves: 'a processor environment dying mid-execution loses nothing: the workflow fails with Runtime.ExitError and SQS redelivers',
    load: { ...LOAD, seed: 20 },
    ratePerSecond: 40,
    genesys: { latencyMs: 100 },
    async faults(run) {
      run.counts.processorKills = await repeatedly(run, 300, 6, () => run.stack.runtime.killEnvironment('ProcessorFunction'));
    },
    bounds: { requestsPerApplied: CLEAN + 0.5, throttled: 0 },
  },
  {
    name: 'redelivered-while-running',
    proves: 'SQS handing a message out again while its first delivery still runs (visibility 1 s, every Genesys answer 600 ms late) starts no second workflow: the idempotency record holds it',
    load: { ...LOAD, seed: 21 },
    // Below the scaled request timeout (750 ms), above the visibility once a batch of ten queues on the environments.
    genesys: { latencyMs: 600 },
    visibilitySeconds: 1,
    bounds: { requestsPerApplied: CLEAN + 0.5, throttled: 0 },
  },
  {
    name: 'eventbridge-delivers-twice',
    proves: 'one event arriving as two SQS messages is applied twice to the same state: writes are repeatable',
    load: { ...LOAD, seed: 22 },
    deliverTwice: true,
    bounds: { requestsPerApplied: 2 * CLEAN, throttled: 0 },
  },
  {
    name: 'aws-faults-5min',
    proves: 'Secrets Manager answering 500 and DynamoDB throttling for 5 minutes park nothing: the records wait in SQS',
    load: { ...LOAD, seed: 23 },
    async faults(run) {
      run.proxy.inject({ actions: ['GetSecretValue'], kind: 'error', forMs: run.sqsMs(300) });
      run.proxy.inject({ actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], kind: 'throttle', forMs: run.sqsMs(300) });
      await after(run.sqsMs(300), () => undefined);
      run.counts.injected = Object.values(run.proxy.stats().injected).reduce((sum, n) => sum + n, 0);
    },
    bounds: { requestsPerApplied: CLEAN, throttled: 0 },
  },
  {
    name: 'input-cases',
    proves: 'bodies that are not JSON, not EventBridge, of other topics, with ids that are not UUIDs, missing fields, non-string values, 220 KB or unicode are parked as InvalidEvent at the first receive, or applied exactly',
    load: { ...LOAD, events: 60, conversations: 8, malformedRate: 0.15, seed: 24 },
    direct: inputCases(),
    bounds: { requestsPerApplied: CLEAN, throttled: 0 },
  },
  {
    name: 'aws-calls-hang',
    proves: 'DynamoDB, SQS and Secrets Manager calls that hang (no answer, ever) for 5 minutes cost each record a timeout, never its batch-mates or an event',
    load: { ...LOAD, seed: 25 },
    async faults(run) {
      run.proxy.inject({ actions: BUDGETED_AWS_CALLS, kind: 'stall', rate: 0.15, forMs: run.sqsMs(300) });
      await after(run.sqsMs(300), () => undefined);
      run.counts.stalled = Object.values(run.proxy.stats().injected).reduce((sum, n) => sum + n, 0);
    },
    verify: (run) => ((run.counts.stalled ?? 0) > 0 ? [] : ['no AWS call was stalled: the scenario proved nothing']),
    bounds: { requestsPerApplied: CLEAN + 2, throttled: 0 },
  },
  {
    name: 'dispatcher-deadline',
    proves: 'a dispatcher invocation reaching its deadline (StartSyncExecution hanging) answers only its unsettled records as failures: applied and parked ones keep their outcome, nothing runs on, and DeadlineReached counts it',
    // More malformed and failing records, so a batch at its deadline holds records in every state.
    load: { ...LOAD, malformedRate: 0.1, seed: 26 },
    genesys: { faultRate: 0.1 },
    async faults(run) {
      // Held longer than a dispatcher invocation, then dropped: the call is still open when the deadline comes.
      run.proxy.inject({ actions: ['StartSyncExecution'], kind: 'stall', rate: 0.2, stallMs: 60_000, forMs: run.sqsMs(600) });
      await after(run.sqsMs(600), () => undefined);
      run.counts.stalled = run.proxy.stats().injected.StartSyncExecution ?? 0;
    },
    verify(run) {
      const atDeadline = metricSum(run, 'DeadlineReached');
      return (run.counts.stalled ?? 0) > 0 && atDeadline > 0 ? [] : [`stalled ${run.counts.stalled ?? 0} workflows, DeadlineReached counted ${atDeadline} records: no invocation was seen reaching its deadline`];
    },
    bounds: { requestsPerApplied: 2, throttled: 0 },
  },
  {
    name: 'idempotency-save-fails',
    proves: 'the idempotency table refusing every save (UpdateItem throttled) for 30 minutes, after the workflows ran, changes no outcome: applied stays applied, parked stays parked once',
    load: { ...LOAD, seed: 27 },
    async faults(run) {
      run.proxy.inject({ actions: ['UpdateItem'], kind: 'throttle', forMs: run.sqsMs(1800) });
      await after(run.sqsMs(1800), () => undefined);
      run.counts.refusedSaves = run.proxy.stats().injected.UpdateItem ?? 0;
    },
    verify(run) {
      const counted = metricSum(run, 'IdempotencySaveFailed');
      return (run.counts.refusedSaves ?? 0) > 0 && counted > 0 ? [] : [`saves refused ${run.counts.refusedSaves ?? 0}, IdempotencySaveFailed counted ${counted}`];
    },
    bounds: { requestsPerApplied: CLEAN, throttled: 0 },
  },
  {
    name: 'start-sync-5xx-after-run',
    proves: 'StartSyncExecution answered 500 after the workflow ran (a lost answer) starts no second execution behind the dispatcher: the record comes back through SQS, counted',
    load: { ...LOAD, seed: 28 },
    async faults(run) {
      run.proxy.inject({ actions: ['StartSyncExecution'], kind: 'fail-after', rate: 0.3, forMs: run.sqsMs(300) });
      await after(run.sqsMs(300), () => undefined);
      run.counts.lostAnswers = run.proxy.stats().injected.StartSyncExecution ?? 0;
    },
    verify: (run) => ((run.counts.lostAnswers ?? 0) > 0 ? [] : ['no StartSyncExecution answer was replaced: the scenario proved nothing']),
    // Each lost answer runs its workflow once more, on the redelivery: ≤ 1 more request per event.
    bounds: { requestsPerApplied: CLEAN + 1, throttled: 0 },
  },
  {
    name: '429-long-retry-after',
    proves: 'a 429 storm (2 requests per minute per token) whose Retry-After (20 s) is far beyond the workflow\'s retry intervals and the in-place wait sends nothing to Genesys before the time it asked for',
    load: { ...LOAD, events: 200, conversations: 25, seed: 29 },
    // 2 requests per (scaled) minute per token: even the short form's 40 events meet 429s. Answers carry no
    // inin-ratelimit-* headers here: a processor that sees the budget reported paces to it and never meets the storm.
    genesys: { requestsPerMinute: 2, retryAfterSeconds: 20, rateLimitHeaders: false },
    async faults(run) {
      await after(run.sqsMs(300), () => run.stack.simulator.configure({ requestsPerMinute: 300, retryAfterSeconds: 0 }));
    },
    verify: (run) => (run.stack.simulator.ledger.count(429) > 0 ? [] : ['Genesys answered no 429: the storm did not happen']),
    bounds: { requestsPerApplied: CLEAN + 40, throttled: (summary) => 40 * summary.applied },
  },
  {
    name: 'per-client-budget',
    proves: 'with the budget per OAuth client, every processor environment (up to 20, one per workflow in flight) takes its slots from one shared budget: 200 events at once against 120 requests per (scaled) minute for the whole client meet at most 1 % 429s, and nothing is lost',
    load: { ...LOAD, events: 200, conversations: 25, seed: 31 },
    genesys: { requestsPerMinute: 120, rateLimitScope: 'client' },
    parameters: { GenesysRateLimitScope: 'client', GenesysRequestsPerMinute: 120 },
    // The processor counts the simulator's scaled minute (as bench/goodput.ts does); 20 in flight × 60 s / 120 scaled
    // is 2.5 s of waiting at most for the last of them, inside the processor's scaled time.
    processorEnvironment: (scale) => ({ GENESYS_RATE_LIMIT_WINDOW_MS: String(60_000 / scale.timeScale) }),
    verify: (run) => {
      const environments = run.stack.stats().lambda.ProcessorFunction?.peakConcurrency ?? 0;
      return environments >= 4 ? [] : [`only ${environments} processor environments ran at once: the budget was not shared by many`];
    },
    bounds: { requestsPerApplied: CLEAN, throttled: (summary) => Math.floor(0.01 * summary.genesysRequests) },
  },
  {
    name: 'processor-bug',
    proves: 'a processor bug that fails the same events the same way every time (TypeError) costs each of them one receive and one processor invocation: parked at once with its name, never retried',
    load: { ...LOAD, seed: 30 },
    deterministicErrors: ['TypeError'],
    async faults(run) {
      const buggy = new Set(run.load.conversations.slice(0, 2).map((conversation) => conversation.id));
      run.stack.runtime.injectBug('ProcessorFunction', {
        when: (event) => buggy.has(String((event as { body?: { conversationId?: unknown } } | null)?.body?.conversationId)),
        error: { errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'id')", trace: ['TypeError: injected by the chaos suite'] },
      });
    },
    verify: (_run, summary) => ((summary.parkedByReason.TypeError ?? 0) > 0 ? [] : ['no event was parked as TypeError: the bug was never reached']),
    bounds: { requestsPerApplied: CLEAN, throttled: 0 },
  },
];

/** The scenarios of the short form in `npm test`: one per kind of fault, smaller loads. */
export const SHORT_SCENARIOS: string[] = [
  'genesys-5xx-20pct',
  'processor-killed',
  'input-cases',
  'aws-calls-hang',
  'dispatcher-deadline',
  'idempotency-save-fails',
  'start-sync-5xx-after-run',
  '429-long-retry-after',
  'per-client-budget',
  'processor-bug',
];
