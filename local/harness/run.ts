/**
 * One run of load through a local stack, and its account: where every event went, checked against
 * the Genesys simulator's attribute state. `npm start`, the end-to-end tests and the benchmarks use it.
 */
import { readFileSync } from 'node:fs';
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { DUPLICATE_SUPPRESSED } from '../../functions/dispatcher/dispatch.js';
import { attributesFor, isActedOn } from '../../functions/processor/attributes.js';
import { expectedState, parseEntry, type EventEntry, type ExpectedState, type LoadConversation } from './load/generate.js';
import { publishEvents } from './load/publish.js';
import type { LocalStack } from '../stack/index.js';

/** One entry to send and what we know about it. */
export interface RunEvent {
  entry: EventEntry;
  /** Whether the dispatcher's validation should accept it. */
  expected: 'valid' | 'malformed';
}

/** What to send and how long to wait for it. */
export interface RunOptions {
  events: readonly RunEvent[];
  conversations: readonly LoadConversation[];
  /** Entries per second; 0 = as fast as PutEvents answers. */
  ratePerSecond?: number;
  /** Give up waiting for the queue to drain after this long (the summary then counts what is left as lost). */
  drainTimeoutMs?: number;
  onProgress?: (progress: RunProgress) => void;
  /** Filled with the run's raw series for the HTML report (local/harness/report) when given; see {@link emptyRunSeries}. */
  series?: RunSeries;
  /** Parked valid events this accepts were parked by design (a fault the run injects on purpose), not for want of retries. */
  parkedByDesign?: (message: ParkedMessage) => boolean;
}

/** The raw series of a run, for the HTML report. Times are epoch ms. */
export interface RunSeries {
  startedAt: number;
  endedAt: number;
  /** Every {@link RunSeries.sampleEveryMs}: the EventsQueue by state, the DLQ, and workflows in flight. */
  samples: { time: number; visible: number; inFlight: number; delayed: number; parked: number; workflows: number }[];
  sampleEveryMs: number;
  /** Sent → first write of its attributes, per applied event (ms); the summary's percentiles come from these. */
  latenciesMs: number[];
  /** Every request the Genesys simulator answered during the run; `token` for the OAuth endpoint. */
  genesysRequests: { time: number; status: number; token: boolean }[];
  /** Every write the simulator applied during the run. */
  writes: number[];
}

/** An empty series to pass as {@link RunOptions.series}. */
export function emptyRunSeries(sampleEveryMs = 500): RunSeries {
  return { startedAt: 0, endedAt: 0, samples: [], sampleEveryMs, latenciesMs: [], genesysRequests: [], writes: [] };
}

/** Samples the queues and the workflows in flight into `series` until the returned function is called. */
function sampleInto(stack: LocalStack, series: RunSeries): () => Promise<void> {
  let pending: Promise<void> = Promise.resolve();
  const sample = (): Promise<void> =>
    Promise.all([stack.queueDepth(), stack.queueDepth(stack.queues.deadLetterQueueUrl)]).then(
      ([depth, dlq]) => void series.samples.push({ time: Date.now(), ...depth, parked: dlq.visible + dlq.inFlight, workflows: stack.stats().stepFunctions.inFlight }),
      () => undefined,
    );
  const timer = setInterval(() => {
    pending = sample();
  }, series.sampleEveryMs);
  return async () => {
    clearInterval(timer);
    await pending;
    await sample();
  };
}

/** Where a run stands, for a progress bar. */
export interface RunProgress {
  phase: 'publishing' | 'draining';
  published: number;
  total: number;
  applied: number;
  queued: number;
}

/** A parked message, as the DLQ holds it. */
export interface ParkedMessage {
  queue: 'events-dlq' | 'rule-dlq';
  errorName: string;
  errorMessage?: string;
  body: string;
}

/** The account of a run. Every figure is measured, none assumed. */
export interface RunSummary {
  in: number;
  applied: number;
  /** Valid events of kinds the workflow routes past Genesys (e.g. flow.start): done, nothing to write. */
  notActedOn: number;
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
  /** Processor invocations beyond one per workflow that reached it (the workflow's own retries). */
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Canonical key of an event's detail: how a DLQ body (the EventBridge envelope) is matched to what was sent. */
function detailKey(detail: unknown): string {
  return JSON.stringify(detail);
}

function detailOfBody(body: string): unknown {
  try {
    return (JSON.parse(body) as { detail?: unknown }).detail;
  } catch {
    return undefined;
  }
}

/**
 * Reads every message of a queue without consuming it: received under a visibility timeout long
 * enough to page through, then made visible again so the DLQ tool and a redrive still find them.
 */
export async function peekQueue(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (let emptyReceives = 0; emptyReceives < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 120,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) emptyReceives += 1;
    for (const message of Messages) if (message.MessageId !== undefined) seen.set(message.MessageId, message);
  }
  const messages = [...seen.values()];
  for (let offset = 0; offset < messages.length; offset += 10) {
    const entries = messages.slice(offset, offset + 10).map((message, index) => ({
      Id: String(index),
      ReceiptHandle: message.ReceiptHandle ?? '',
      VisibilityTimeout: 0,
    }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
  return messages;
}

/** Every parked message of the stack's two dead-letter queues. */
export async function parkedMessages(stack: LocalStack): Promise<ParkedMessage[]> {
  const [events, rule] = await Promise.all([
    peekQueue(stack.clients.sqs, stack.queues.deadLetterQueueUrl),
    peekQueue(stack.clients.sqs, stack.queues.ruleDeadLetterQueueUrl),
  ]);
  const parked = (queue: ParkedMessage['queue']) => (message: Message): ParkedMessage => ({
    queue,
    // A message SQS moved after maxReceiveCount carries no reason of ours.
    errorName: message.MessageAttributes?.errorName?.StringValue ?? (queue === 'rule-dlq' ? 'EventBridge.DeliveryFailed' : 'MaxReceiveCountExceeded'),
    errorMessage: message.MessageAttributes?.errorMessage?.StringValue,
    body: message.Body ?? '',
  });
  return [...events.map(parked('events-dlq')), ...rule.map(parked('rule-dlq'))];
}

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

function countLogLines(file: string | undefined, message: string): number {
  if (file === undefined) return 0;
  try {
    const needle = `"message":${JSON.stringify(message)}`;
    return readFileSync(file, 'utf8').split('\n').filter((line) => line.includes(needle)).length;
  } catch {
    return 0;
  }
}

/**
 * Compares the simulator's attributes with the expected ones, key by key; lists the differences.
 * A key found but not expected is no difference when `tolerated` holds it with the same value: a parked
 * event's write may still have landed (a task that timed out after Genesys applied it), and writing it
 * is what the event implies anyway.
 */
export function compareState(
  expected: ExpectedState,
  actual: ExpectedState,
  tolerated: ExpectedState = {},
): { participants: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let participants = 0;
  const conversations = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const conversationId of conversations) {
    const participantIds = new Set([...Object.keys(expected[conversationId] ?? {}), ...Object.keys(actual[conversationId] ?? {})]);
    for (const participantId of participantIds) {
      participants += 1;
      const want = expected[conversationId]?.[participantId] ?? {};
      const have = actual[conversationId]?.[participantId] ?? {};
      for (const key of new Set([...Object.keys(want), ...Object.keys(have)])) {
        const mayHave = tolerated[conversationId]?.[participantId]?.[key];
        if (want[key] === undefined && have[key] !== undefined && have[key] === mayHave) continue;
        if (want[key] !== have[key]) {
          mismatches.push(`${conversationId}/${participantId} ${key}: expected ${JSON.stringify(want[key])}, found ${JSON.stringify(have[key])}`);
        }
      }
    }
  }
  return { participants, mismatches };
}

/**
 * Publishes the events to the stack's bus, waits for the queue to drain, and accounts for every one:
 * applied (its attributes are on its participant in the simulator), not acted on, parked (in a DLQ with
 * its reason) or lost.
 */
export async function runLoad(stack: LocalStack, options: RunOptions): Promise<RunSummary> {
  const { simulator } = stack;
  for (const conversation of options.conversations) simulator.addConversation(conversation);
  const ledgerStart = simulator.ledger.requests.length;
  const writesStart = simulator.ledger.writes.length;
  const statsBefore = stack.stats();

  const publishedAt: number[] = [];
  const started = Date.now();
  const { series } = options;
  const stopSampling = series === undefined ? undefined : sampleInto(stack, Object.assign(series, { startedAt: started }));
  const entries = options.events.map((event) => event.entry);
  const published = await publishEvents(entries, {
    eventBridge: stack.clients.eventBridge,
    busName: stack.busName,
    ratePerSecond: options.ratePerSecond ?? 0,
    onProgress: ({ sent, failed, total }) => {
      const now = Date.now();
      while (publishedAt.length < sent + failed) publishedAt.push(now);
      options.onProgress?.({ phase: 'publishing', published: sent, total, applied: simulator.ledger.writes.length - writesStart, queued: 0 });
    },
  });
  if (published.failed > 0) {
    throw new Error(`EventBridge refused ${published.failed} entries: ${published.failures[0]?.errorCode} ${published.failures[0]?.errorMessage ?? ''}`);
  }

  const drainTimeoutMs = options.drainTimeoutMs ?? 10 * 60_000;
  const progressTimer = setInterval(() => {
    void stack.queueDepth().then(
      (depth) =>
        options.onProgress?.({
          phase: 'draining',
          published: published.sent,
          total: entries.length,
          applied: simulator.ledger.writes.length - writesStart,
          queued: depth.visible + depth.inFlight + depth.delayed,
        }),
      () => undefined,
    );
  }, 500);
  let drained = true;
  try {
    // EventBridge → SQS delivery is asynchronous: give the first messages a moment to land.
    await sleep(200);
    await stack.waitForDrain({ timeoutMs: drainTimeoutMs });
  } catch (error) {
    if ((error as Error).name !== 'DrainTimeoutError') throw error;
    drained = false;
  } finally {
    clearInterval(progressTimer);
    await stopSampling?.();
  }
  const durationMs = Date.now() - started;

  // Match parked bodies back to what was sent.
  const parked = await parkedMessages(stack);
  const parkedByKey = new Map<string, ParkedMessage[]>();
  for (const message of parked) {
    const key = detailKey(detailOfBody(message.body));
    parkedByKey.set(key, [...(parkedByKey.get(key) ?? []), message]);
  }
  const parkedByReason: Record<string, number> = {};
  for (const message of parked) parkedByReason[message.errorName] = (parkedByReason[message.errorName] ?? 0) + 1;

  const state = simulator.state();
  const writes = simulator.ledger.writes.slice(writesStart);
  const firstWrite = (conversationId: string, participantId: string, attributes: Record<string, string>): number | undefined =>
    writes.find(
      (write) =>
        write.conversationId === conversationId &&
        write.participantId === participantId &&
        Object.entries(attributes).every(([key, value]) => write.attributes[key] === value),
    )?.time;

  const customerOf = new Map(options.conversations.map((c) => [c.id, c.participants.find((p) => p.purpose === 'customer')?.id]));
  let applied = 0;
  let notActedOn = 0;
  let lost = 0;
  let validParked = 0;
  let malformedNotParked = 0;
  const latencies: number[] = [];
  const seenKeys = new Set<string>();
  let repeatedEvents = 0;

  options.events.forEach((event, index) => {
    const detail = JSON.parse(event.entry.Detail) as unknown;
    const key = detailKey(detail);
    if (seenKeys.has(key)) repeatedEvents += 1;
    seenKeys.add(key);
    const parkedCopies = parkedByKey.get(key);
    if (parkedCopies !== undefined && parkedCopies.length > 0) {
      const message = parkedCopies.shift() as ParkedMessage;
      if (event.expected === 'valid') {
        if (options.parkedByDesign?.(message) !== true) validParked += 1;
      } else if (message.errorName !== 'InvalidEvent') malformedNotParked += 1;
      return;
    }
    if (event.expected === 'malformed') {
      malformedNotParked += 1;
      lost += 1;
      return;
    }
    const parsed = parseEntry(event.entry);
    if (parsed === undefined) {
      lost += 1;
      return;
    }
    if (!isActedOn(parsed.kind)) {
      // Nothing to see in Genesys: done if the queue drained.
      if (drained) notActedOn += 1;
      else lost += 1;
      return;
    }
    const participantId = parsed.body.participantId ?? customerOf.get(parsed.body.conversationId);
    const attributes = attributesFor(parsed.kind, parsed.body);
    const have = participantId === undefined ? undefined : state[parsed.body.conversationId]?.[participantId];
    const present = have !== undefined && Object.entries(attributes).every(([k, v]) => have[k] === v);
    if (!present) {
      lost += 1;
      return;
    }
    applied += 1;
    const writtenAt = participantId === undefined ? undefined : firstWrite(parsed.body.conversationId, participantId, attributes);
    const sentAt = publishedAt[index];
    if (writtenAt !== undefined && sentAt !== undefined) latencies.push(Math.max(0, writtenAt - sentAt));
  });

  // What the events that were not parked imply, against what Genesys holds; parked ones may have landed too.
  const parkedKeys = new Set(parked.map((p) => detailKey(detailOfBody(p.body))));
  const valid = options.events.filter((event) => event.expected === 'valid');
  const isParked = (event: RunEvent): boolean => parkedKeys.has(detailKey(JSON.parse(event.entry.Detail)));
  const expected = expectedState(valid.filter((event) => !isParked(event)).map((event) => event.entry), options.conversations);
  const tolerated = expectedState(valid.filter(isParked).map((event) => event.entry), options.conversations);
  const touched = new Set(options.conversations.map((c) => c.id));
  const actual = Object.fromEntries(Object.entries(state).filter(([conversationId]) => touched.has(conversationId)));
  const comparison = compareState(expected, actual, tolerated);

  const requests = simulator.ledger.requests.slice(ledgerStart);
  const byStatus: Record<string, number> = {};
  let tokenRequests = 0;
  for (const request of requests) {
    if (request.path === '/oauth/token') {
      tokenRequests += 1;
      continue;
    }
    byStatus[String(request.status)] = (byStatus[String(request.status)] ?? 0) + 1;
  }
  const genesysRequests = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  const throttled = requests.filter((request) => request.status === 429).length;
  if (series !== undefined) {
    series.endedAt = started + durationMs;
    series.latenciesMs.push(...latencies);
    series.genesysRequests.push(...requests.map((request) => ({ time: request.time, status: request.status, token: request.path === '/oauth/token' })));
    series.writes.push(...writes.map((write) => write.time));
  }

  const stats = stack.stats();
  const processorInvocations = (stats.lambda.ProcessorFunction?.invocations ?? 0) - (statsBefore.lambda.ProcessorFunction?.invocations ?? 0);
  const executionsReachingProcessor = applied + Object.entries(parkedByReason)
    .filter(([name]) => name.startsWith('Genesys.'))
    .reduce((sum, [, n]) => sum + n, 0);
  const sorted = [...latencies].sort((a, b) => a - b);

  return {
    in: published.sent,
    applied,
    notActedOn,
    parked: parked.length,
    parkedByReason,
    lost,
    duplicates: countLogLines(stack.logFile, DUPLICATE_SUPPRESSED),
    repeatedEvents,
    genesysRequests,
    genesysRequestsByStatus: byStatus,
    tokenRequests,
    throttled,
    workflowRetries: Math.max(0, processorInvocations - executionsReachingProcessor),
    redeliveries: stats.poller.reportedFailures - statsBefore.poller.reportedFailures + (stats.poller.failedBatches - statsBefore.poller.failedBatches),
    durationMs,
    throughputPerSecond: durationMs > 0 ? ((applied + notActedOn) * 1000) / durationMs : 0,
    latencyMs: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0, samples: sorted.length },
    peakInFlightWorkflows: stats.stepFunctions.peakInFlight,
    validParked,
    malformedNotParked,
    state: { participants: comparison.participants, matches: comparison.mismatches.length === 0, mismatches: comparison.mismatches.slice(0, 20) },
    drained,
  };
}

/** The machine-readable last line of `npm start`. */
export function summaryLine(summary: RunSummary): string {
  return (
    `summary: in=${summary.in} applied=${summary.applied + summary.notActedOn} parked=${summary.parked} lost=${summary.lost} ` +
    `duplicates=${summary.duplicates} genesys_requests=${summary.genesysRequests} throttled=${summary.throttled} p99_ms=${Math.round(summary.latencyMs.p99)}`
  );
}
