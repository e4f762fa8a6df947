/** The DLQ tool's reader (tools/dlq/operations.ts), the one the harness uses too: why each parked message is there. */
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { UNNAMED_PARK_REASONS, deadLetterQueueName, peekMessages } from '../../tools/dlq/operations.js';
import { QUEUE_LOGICAL_IDS } from '../../tools/dlq/queues.js';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: 'us-east-1' });

/** A queue that holds `messages` once, then nothing. */
function holding(messages: Message[]): void {
  sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({});
}

const parked = (id: string, attributes: Record<string, string> = {}): Message => ({
  MessageId: id,
  ReceiptHandle: `handle-${id}`,
  Body: '{"detail-type":"v2.detail.events.conversation.{id}.customer.start"}',
  Attributes: { SentTimestamp: '1000', ApproximateReceiveCount: '1' },
  MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])),
});

afterEach(() => sqsMock.reset());

describe('peekMessages', () => {
  it.each([
    [QUEUE_LOGICAL_IDS.deadLetter, 'MaxReceiveCountExceeded'],
    [QUEUE_LOGICAL_IDS.ruleDeadLetter, 'EventBridge.DeliveryFailed'],
  ])('gives a message in %s that carries no reason of ours the reason %s', async (name, reason) => {
    holding([parked('m-1')]);

    const [message] = await peekMessages(sqs, { name, url: 'http://queue' });

    expect(message).toMatchObject({ messageId: 'm-1', queue: name, errorName: reason, kind: 'customer.start' });
    expect(UNNAMED_PARK_REASONS[deadLetterQueueName({ name })]).toBe(reason);
  });

  it('takes the dispatcher\'s errorName first, then EventBridge\'s ERROR_CODE', async () => {
    holding([
      parked('m-1', { errorName: 'Genesys.Forbidden', errorMessage: '403', ERROR_CODE: 'SQS_SEND_FAILED' }),
      parked('m-2', { ERROR_CODE: 'SQS_SEND_FAILED', ERROR_MESSAGE: 'queue gone' }),
    ]);

    const messages = await peekMessages(sqs, { name: QUEUE_LOGICAL_IDS.ruleDeadLetter, url: 'http://queue' });

    expect(messages.map(({ errorName, errorMessage }) => ({ errorName, errorMessage }))).toEqual([
      { errorName: 'Genesys.Forbidden', errorMessage: '403' },
      { errorName: 'SQS_SEND_FAILED', errorMessage: 'queue gone' },
    ]);
  });

  it('hands every message it saw back to the queue at once', async () => {
    holding([parked('m-1'), parked('m-2')]);

    await peekMessages(sqs, { name: QUEUE_LOGICAL_IDS.deadLetter, url: 'http://queue' });

    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map(({ ReceiptHandle, VisibilityTimeout }) => ({ ReceiptHandle, VisibilityTimeout }))).toEqual([
      { ReceiptHandle: 'handle-m-1', VisibilityTimeout: 0 },
      { ReceiptHandle: 'handle-m-2', VisibilityTimeout: 0 },
    ]);
  });
});
