import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_AWS_ENV } from '../../local/stack/moto.js';
import { recordsToKeep, startSqsPoller, type SqsPoller, type SqsPollerOptions, type SqsRecord } from '../../local/stack/lambda/sqs-poller.js';
import type { InvokeOutcome } from '../../local/stack/lambda/runtime.js';

const sqs = new SQSClient({
  endpoint: process.env.MOTO_ENDPOINT,
  region: LOCAL_AWS_ENV.AWS_REGION,
  credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
});

/** Every batch the stand-in dispatcher received, and how it answers. */
interface Dispatcher {
  batches: SqsRecord[][];
  invoke(event: { Records: SqsRecord[] }): Promise<InvokeOutcome>;
}

function dispatcher(answer: (records: SqsRecord[]) => InvokeOutcome, delayMs = 0): Dispatcher {
  const batches: SqsRecord[][] = [];
  return {
    batches,
    async invoke(event) {
      batches.push(event.Records);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return answer(event.Records);
    },
  };
}

const bodies = (records: SqsRecord[]): string[] => records.map((record) => record.body).sort();

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function depth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

async function receiveAll(queueUrl: string): Promise<string[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return Messages.map((message) => message.Body ?? '').sort();
}

describe('local SQS event source poller', () => {
  let queueUrl: string;
  let queueArn: string;
  let poller: SqsPoller | undefined;

  async function send(count: number): Promise<string[]> {
    const sent = Array.from({ length: count }, (_, index) => `message-${String(index).padStart(2, '0')}`);
    for (let start = 0; start < sent.length; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: sent.slice(start, start + 10).map((body, index) => ({
            Id: String(index),
            MessageBody: body,
            MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } },
          })),
        }),
      );
    }
    return sent;
  }

  function start(target: Dispatcher, overrides: Partial<SqsPollerOptions> = {}): SqsPoller {
    poller = startSqsPoller({
      sqs,
      queueUrl,
      queueArn,
      invoke: (event) => target.invoke(event),
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0.2,
      maximumConcurrency: 2,
      reportBatchItemFailures: true,
      waitTimeSeconds: 1,
      ...overrides,
    });
    return poller;
  }

  beforeEach(async () => {
    const name = `local-poller-${randomUUID()}`;
    // A short visibility timeout lets a test see what the poller left on the queue come back.
    ({ QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1' } })));
    queueArn = `arn:aws:sqs:us-east-1:123456789012:${name}`;
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  });

  afterAll(() => sqs.destroy());

  it('hands the function Lambda SQS records, receive count and message attributes included', async () => {
    await send(1);
    const target = dispatcher(() => ({ result: { batchItemFailures: [] } }));

    start(target);
    await until(() => target.batches.length === 1);

    expect(target.batches[0]?.[0]).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'message-00',
      attributes: expect.objectContaining({ ApproximateReceiveCount: '1', SentTimestamp: expect.any(String) }),
      messageAttributes: { origin: { stringValue: 'test', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: expect.any(String),
      md5OfMessageAttributes: expect.any(String),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    });
  });

  it('deletes only the records the function did not report as failed', async () => {
    await send(6);
    const target = dispatcher((records) => ({
      result: { batchItemFailures: records.filter((record) => ['message-01', 'message-04'].includes(record.body)).map((record) => ({ itemIdentifier: record.messageId })) },
    }));

    const running = start(target, { maximumConcurrency: 1 });
    await until(() => running.stats().received >= 6 && !running.busy);
    await running.stop();

    expect(running.stats()).toMatchObject({ deleted: 4, reportedFailures: 2, failedBatches: 0 });
    await until(async () => (await depth(queueUrl)).visible === 2);
    expect(await receiveAll(queueUrl)).toEqual(['message-01', 'message-04']);
  });

  it('deletes nothing when the function fails: the whole batch comes back', async () => {
    const sent = await send(5);
    const target = dispatcher(() => ({ error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out', trace: [] } }));

    const running = start(target, { maximumConcurrency: 1 });
    await until(() => running.stats().received >= 5 && !running.busy);
    await running.stop();

    expect(running.stats()).toMatchObject({ deleted: 0, failedBatches: running.stats().batches });
    await until(async () => (await depth(queueUrl)).visible === 5);
    expect(await receiveAll(queueUrl)).toEqual(sent);
  });

  it('invokes with at most BatchSize records and at most MaximumConcurrency at once', async () => {
    const sent = await send(23);
    const target = dispatcher(() => ({ result: null }), 100);

    const running = start(target, { batchSize: 4, maximumConcurrency: 2 });
    await until(() => running.stats().deleted === 23);

    expect(Math.max(...target.batches.map((batch) => batch.length))).toBeLessThanOrEqual(4);
    expect(bodies(target.batches.flat())).toEqual(sent);
    expect(running.stats().peakConcurrency).toBe(2);
    expect(await depth(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('stops at once, even in the middle of a long poll', async () => {
    const running = start(dispatcher(() => ({ result: null })), { waitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await running.stop();

    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('recordsToKeep', () => {
  const record = (messageId: string): SqsRecord => ({ messageId }) as SqsRecord;
  const batch = [record('a'), record('b')];

  it.each([
    ['an empty response', { result: null }, []],
    ['no failures', { result: { batchItemFailures: [] } }, []],
    ['named failures', { result: { batchItemFailures: [{ itemIdentifier: 'b' }] } }, ['b']],
  ])('keeps what the function reported for %s', (_case, outcome, kept) => {
    expect([...(recordsToKeep(outcome as InvokeOutcome, batch, true) ?? [])]).toEqual(kept);
  });

  it.each([
    ['a function error', { error: { errorType: 'Error', errorMessage: 'x', trace: [] } }],
    ['an identifier not in the batch', { result: { batchItemFailures: [{ itemIdentifier: 'z' }] } }],
    ['an empty identifier', { result: { batchItemFailures: [{ itemIdentifier: '' }] } }],
  ])('keeps the whole batch for %s', (_case, outcome) => {
    expect(recordsToKeep(outcome as InvokeOutcome, batch, true)).toBeUndefined();
  });
});
