/**
 * The whole pipeline through the local stack (local/stack/index.ts): events put on the bus, through the
 * EventsQueue, the dispatcher, the Express workflow and the processor, into the Genesys simulator.
 * Each describe runs one stack, time-scaled, and stops it in afterAll whatever happened before.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { jest } from '@jest/globals';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ErrorName } from '../../functions/shared/errors.js';
import { peekParked } from '../../local/harness/dead-letters.js';
import type { LocalStack, LocalStackOptions, LocalStackStats } from '../../local/stack/index.js';
import type { ParkedMessage } from '../../tools/dlq/operations.js';
import { fixtureText, genesysEvent, sqsEvent, sqsRecord, type FixtureName, type GenesysEvent } from '../helpers/factories.js';
import { useTestStacks, type TestStacks } from '../helpers/local-stack.js';

/**
 * Durations of the template and the ASL run this many times faster. Not more: the processor's 10 s
 * Timeout (and the task's TimeoutSeconds) becomes 2 s, and on a busy machine 1 s (scale 10) let tasks
 * time out while their write still landed, so the workflow's retry wrote it a second time.
 */
const TIME_SCALE = 5;
/** How long a settled stack may take to drain before a test gives up (never the 1080 s VisibilityTimeout). */
const DRAIN_TIMEOUT_MS = 20_000;

const asl = JSON.parse(readFileSync(new URL('../../statemachine/process-event.asl.json', import.meta.url), 'utf8')) as {
  States: Record<string, { Retry?: { ErrorEquals: string[]; MaxAttempts: number }[] }>;
};

/** MaxAttempts of the "Update conversation" retrier that handles `errorName`. */
function maxAttemptsOf(errorName: string): number {
  const retrier = asl.States['Update conversation']?.Retry?.find((candidate) => candidate.ErrorEquals.includes(errorName));
  if (retrier === undefined) throw new Error(`the ASL has no retrier for ${errorName}`);
  return retrier.MaxAttempts;
}

/**
 * Starts the stack with warm execution environments: a cold start is real CPU time that the scaled
 * function and task timeouts would otherwise count against.
 */
async function startWarmStack(stacks: TestStacks, options: LocalStackOptions, environments: { dispatcher: number; processor: number }): Promise<LocalStack> {
  const stack = await stacks.start({
    timeScale: TIME_SCALE,
    // A retryable failure comes back after 1-2 s instead of 10-900 s.
    functionEnvironment: { DispatcherFunction: { RETRY_BASE_DELAY_SECONDS: '1', RETRY_MAX_DELAY_SECONDS: '2' } },
    ...options,
  });
  await Promise.all([
    stack.runtime.prewarm('DispatcherFunction', environments.dispatcher),
    stack.runtime.prewarm('ProcessorFunction', environments.processor),
  ]);
  return stack;
}

/** Puts the events on the stack's bus, as Genesys does, and waits until the pipeline has settled them all. */
async function publishAndSettle(stack: LocalStack, events: GenesysEvent[]): Promise<void> {
  // PutEvents takes at most 10 entries per call.
  for (let offset = 0; offset < events.length; offset += 10) {
    const { FailedEntryCount, Entries = [] } = await stack.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: events.slice(offset, offset + 10).map((event) => ({
          EventBusName: stack.busName,
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
        })),
      }),
    );
    expect({ FailedEntryCount, errors: Entries.filter((entry) => entry.ErrorCode !== undefined) }).toEqual({ FailedEntryCount: 0, errors: [] });
  }
  // EventBridge delivers to the queue asynchronously: let the messages land before waiting for an empty queue.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await stack.waitForDrain({ timeoutMs: DRAIN_TIMEOUT_MS });
}

/** A fixture event as Genesys sent it. */
const fixture = (name: FixtureName): GenesysEvent => JSON.parse(fixtureText(name)) as GenesysEvent;

/** A new conversation with one customer participant, known to the simulator unless `register` is false. */
function newConversation(stack: LocalStack, register = true): { conversationId: string; participantId: string } {
  const conversation = { conversationId: randomUUID(), participantId: randomUUID() };
  if (register) {
    stack.simulator.addConversation({ id: conversation.conversationId, participants: [{ id: conversation.participantId, purpose: 'customer' }] });
  }
  return conversation;
}

/** The parked messages of the EventsDeadLetterQueue whose body carries this conversation id. */
async function parkedFor(stack: LocalStack, conversationId: string): Promise<ParkedMessage[]> {
  return (await peekParked(stack)).filter((message) => message.body.includes(conversationId));
}

/** The dispatcher's reason attributes of a parked message (docs/contracts.md). */
function reasonOf(message: ParkedMessage): Record<string, string | undefined> {
  return Object.fromEntries(['errorName', 'errorMessage', 'sourceMessageId', 'receiveCount'].map((name) => [name, message.attributes[name]]));
}

/** Counters that moved between two stats snapshots. */
function delta(before: LocalStackStats, after: LocalStackStats) {
  return {
    executions: after.stepFunctions.started - before.stepFunctions.started,
    received: after.poller.received - before.poller.received,
    deleted: after.poller.deleted - before.poller.deleted,
    reportedFailures: after.poller.reportedFailures - before.poller.reportedFailures,
    failedBatches: after.poller.failedBatches - before.poller.failedBatches,
    dispatcherErrors: (after.lambda.DispatcherFunction?.errors ?? 0) - (before.lambda.DispatcherFunction?.errors ?? 0),
  };
}

describe('the pipeline', () => {
  const stacks = useTestStacks('e2e-pipeline-');
  let stack: LocalStack;

  const writesTo = (conversationId: string) => stack.simulator.ledger.writes.filter((write) => write.conversationId === conversationId);
  const patchesTo = (conversationId: string) =>
    stack.simulator.ledger.requests.filter((request) => request.method === 'PATCH' && request.conversationId === conversationId);

  beforeAll(async () => {
    stack = await startWarmStack(stacks, {}, { dispatcher: 2, processor: 4 });
  });

  it("applies the fixtures' events once each, with the attributes their kinds write", async () => {
    const start = fixture('customer-start');
    const end = fixture('customer-end');
    const { conversationId, participantId } = start.detail.eventBody as { conversationId: string; participantId: string };
    stack.simulator.addConversation({ id: conversationId, participants: [{ id: participantId, purpose: 'customer' }] });

    await publishAndSettle(stack, [start, end]);

    expect(stack.simulator.state()[conversationId]).toEqual({
      [participantId]: {
        // new Date(eventTime).toISOString() of each fixture: 1649237444949 and 1649237504949.
        'aws.customer.start': '2022-04-06T09:30:44.949Z',
        'aws.customer.end': '2022-04-06T09:31:44.949Z',
      },
    });
    expect(writesTo(conversationId).map((write) => write.attributes)).toEqual(
      expect.arrayContaining([{ 'aws.customer.start': '2022-04-06T09:30:44.949Z' }, { 'aws.customer.end': '2022-04-06T09:31:44.949Z' }]),
    );
    expect(writesTo(conversationId)).toHaveLength(2);
    expect(await parkedFor(stack, conversationId)).toEqual([]);
  });

  it('applies an event published twice with two writes that leave one state', async () => {
    const { conversationId, participantId } = newConversation(stack);
    const event = genesysEvent({ kind: 'customer.start', conversationId, participantId, eventTime: 1_700_000_000_000 });
    const before = stack.stats();

    await publishAndSettle(stack, [event, event]);

    // EventBridge makes two SQS messages of it: two workflows, two identical writes, one state.
    expect(delta(before, stack.stats()).executions).toBe(2);
    expect(writesTo(conversationId).map((write) => write.attributes)).toEqual([
      { 'aws.customer.start': '2023-11-14T22:13:20.000Z' },
      { 'aws.customer.start': '2023-11-14T22:13:20.000Z' },
    ]);
    expect(stack.simulator.state()[conversationId]).toEqual({ [participantId]: { 'aws.customer.start': '2023-11-14T22:13:20.000Z' } });
  });

  it('starts one workflow for a message delivered twice', async () => {
    const { conversationId, participantId } = newConversation(stack);
    const record = sqsRecord({ body: genesysEvent({ kind: 'customer.end', conversationId, participantId, eventTime: 1_700_000_060_000 }) });
    const before = stack.stats();

    // The same SQS message (same messageId) handed to the dispatcher twice, one delivery after the other.
    const first = await stack.runtime.invoke('DispatcherFunction', sqsEvent([record]));
    const second = await stack.runtime.invoke('DispatcherFunction', sqsEvent([{ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }]));

    expect([first, second]).toEqual([{ result: { batchItemFailures: [] } }, { result: { batchItemFailures: [] } }] satisfies { result: SQSBatchResponse }[]);
    expect(delta(before, stack.stats()).executions).toBe(1);
    expect(writesTo(conversationId)).toHaveLength(1);
    expect(stack.simulator.state()[conversationId]).toEqual({ [participantId]: { 'aws.customer.end': '2023-11-14T22:14:20.000Z' } });
  });

  it('parks a malformed event in the DLQ with its reason at the first receive', async () => {
    const event = genesysEvent({ kind: 'customer.start', conversationId: 'not-a-uuid', correlationId: randomUUID() });
    const before = stack.stats();

    await publishAndSettle(stack, [event]);

    const parked = (await peekParked(stack)).filter((message) => message.body.includes(event.detail.metadata.CorrelationId as string));
    expect(parked).toHaveLength(1);
    const [message] = parked as [ParkedMessage];
    expect(reasonOf(message)).toEqual({
      errorName: ErrorName.InvalidEvent,
      errorMessage: 'detail.eventBody.conversationId must be a UUID, got "not-a-uuid"',
      sourceMessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      receiveCount: '1',
    });
    // The original envelope, ready to redrive once fixed.
    expect(JSON.parse(message.body)).toMatchObject({ source: event.source, 'detail-type': event['detail-type'], detail: event.detail });
    expect(delta(before, stack.stats())).toMatchObject({ executions: 0, received: 1, deleted: 1, reportedFailures: 0, failedBatches: 0 });
  });

  it('applies the valid records of a batch on their first receive when one record is malformed', async () => {
    const conversations = [newConversation(stack), newConversation(stack), newConversation(stack), newConversation(stack)];
    const valid = conversations.map(({ conversationId, participantId }) =>
      genesysEvent({ kind: 'customer.start', conversationId, participantId, eventTime: 1_700_000_000_000 }),
    );
    const malformed = genesysEvent({ kind: 'customer.end', conversationId: conversations[0]?.conversationId, participantId: 'participant-1' });
    // The poller invokes the dispatcher through the stack's runtime: note the batches it hands over.
    const batches: { records: SQSEvent['Records']; outcome: Promise<unknown> }[] = [];
    const invoke = stack.runtime.invoke.bind(stack.runtime);
    const spy = jest.spyOn(stack.runtime, 'invoke').mockImplementation((functionName, event) => {
      const outcome = invoke(functionName, event);
      if (functionName === 'DispatcherFunction') batches.push({ records: (event as SQSEvent).Records, outcome });
      return outcome;
    });
    const before = stack.stats();

    try {
      await publishAndSettle(stack, [valid[0], malformed, ...valid.slice(1)] as GenesysEvent[]);
    } finally {
      spy.mockRestore();
    }

    for (const { conversationId, participantId } of conversations) {
      expect(stack.simulator.state()[conversationId]).toEqual({ [participantId]: { 'aws.customer.start': '2023-11-14T22:13:20.000Z' } });
    }
    // The malformed record shared its batch with valid ones, and the batch reported no failure.
    const withMalformed = batches.find((batch) => batch.records.some((record) => record.body.includes('participant-1')));
    expect(withMalformed?.records.length).toBeGreaterThan(1);
    expect(await withMalformed?.outcome).toEqual({ result: { batchItemFailures: [] } });
    // Every record received once and deleted: no record, and no batch, went back to the queue.
    expect(delta(before, stack.stats())).toEqual({ executions: 4, received: 5, deleted: 5, reportedFailures: 0, failedBatches: 0, dispatcherErrors: 0 });
    const parked = await parkedFor(stack, conversations[0]?.conversationId as string);
    expect(parked.map(reasonOf)).toEqual([expect.objectContaining({ errorName: ErrorName.InvalidEvent, receiveCount: '1' })]);
  });

  it('parks an event of a conversation Genesys does not know, after the workflow retried it', async () => {
    const { conversationId, participantId } = newConversation(stack, false);
    const before = stack.stats();

    await publishAndSettle(stack, [genesysEvent({ kind: 'customer.start', conversationId, participantId })]);

    // One attempt and MaxAttempts retries in the workflow, then the DLQ at once: 404 is not redelivered.
    expect(patchesTo(conversationId).map((request) => request.status)).toEqual(Array(1 + maxAttemptsOf(ErrorName.NotFound)).fill(404));
    const parked = await parkedFor(stack, conversationId);
    expect(parked.map(reasonOf)).toEqual([
      {
        errorName: ErrorName.NotFound,
        errorMessage: expect.stringContaining('404'),
        sourceMessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        receiveCount: '1',
      },
    ]);
    expect(delta(before, stack.stats())).toMatchObject({ executions: 1, received: 1, deleted: 1, reportedFailures: 0 });
  });
});

describe('the pipeline under the Genesys rate limit', () => {
  const stacks = useTestStacks('e2e-pipeline-');
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startWarmStack(
      stacks,
      {
        // One record per dispatcher invocation: at most MaximumConcurrency (2) workflows, so at most two
        // processor environments, each with its own token, share the simulator's small per-token budget.
        parameters: { BatchSize: 1 },
        // 2 requests per token per 2 s window (the simulator's minute scaled by 30).
        genesys: { requestsPerMinute: 2, timeScale: 30 },
        // The processor's limiter counts in the same 2 s minute, as it would in Genesys' real one.
        functionEnvironment: {
          DispatcherFunction: { RETRY_BASE_DELAY_SECONDS: '1', RETRY_MAX_DELAY_SECONDS: '2' },
          ProcessorFunction: { GENESYS_RATE_LIMIT_WINDOW_MS: '2000' },
        },
      },
      { dispatcher: 2, processor: 2 },
    );
  });

  it('retries a burst of 429s until every event is applied, when Genesys does not report its budget', async () => {
    stack.simulator.configure({ rateLimitHeaders: false });
    const conversations = Array.from({ length: 12 }, () => newConversation(stack));
    const events = conversations.map(({ conversationId, participantId }) =>
      genesysEvent({ kind: 'customer.start', conversationId, participantId, eventTime: 1_700_000_000_000 }),
    );

    await publishAndSettle(stack, events);

    // Without inin-ratelimit-* headers the processor's own limiter allows GenesysRequestsPerMinute (300) per
    // token, far above this simulator's budget, so Genesys answers 429. The processor does not wait out Retry-After in place
    // (the scaled invocation has less time left than the wait plus a request timeout): it throws
    // Genesys.RateLimited, the workflow backs off and retries, and past its retries SQS redelivers.
    expect(stack.simulator.ledger.count(429)).toBeGreaterThan(0);
    for (const { conversationId, participantId } of conversations) {
      expect(stack.simulator.state()[conversationId]).toEqual({ [participantId]: { 'aws.customer.start': '2023-11-14T22:13:20.000Z' } });
    }
    expect(stack.simulator.ledger.writes).toHaveLength(12);
    expect(await peekParked(stack)).toEqual([]);
  });
  it('paces each token to the budget Genesys reports (inin-ratelimit-allowed): no 429 after the answer that reports it', async () => {
    // 3 per token per 2 s window, below what two workflows at a time send (about 5 per token), far below the
    // processor's own 300; now reported on every answer.
    stack.simulator.configure({ requestsPerMinute: 3, rateLimitHeaders: true });
    const throttledBefore = stack.simulator.ledger.count(429);
    const writesBefore = stack.simulator.ledger.writes.length;
    const conversations = Array.from({ length: 12 }, () => newConversation(stack));
    const events = conversations.map(({ conversationId, participantId }) =>
      genesysEvent({ kind: 'customer.start', conversationId, participantId, eventTime: 1_700_000_000_000 }),
    );

    await publishAndSettle(stack, events);

    // Each environment learns the budget from its first answer and paces to it. At most that first answer per
    // environment (two: MaximumConcurrency 2) can be a 429, when the previous test's requests still fill the window.
    expect(stack.simulator.ledger.count(429) - throttledBefore).toBeLessThanOrEqual(2);
    for (const { conversationId, participantId } of conversations) {
      expect(stack.simulator.state()[conversationId]).toEqual({ [participantId]: { 'aws.customer.start': '2023-11-14T22:13:20.000Z' } });
    }
    expect(stack.simulator.ledger.writes.length - writesBefore).toBe(12);
    expect(await peekParked(stack)).toEqual([]);
  });
});
