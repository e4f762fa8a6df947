import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { loadTemplate } from '../../template/index.js';
import { freePort } from '../../local/stack/moto.js';
import { LOCAL_EVENT_SOURCE_NAME } from '../../local/stack/index.js';
import { useTestStacks } from '../helpers/local-stack.js';

const CONVERSATION = '6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60';
const CUSTOMER = '0b7c9d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e';

function conversationEvent(kind: string, eventBody: Record<string, unknown>): { EventBusName?: string; Source: string; DetailType: string; Detail: string } {
  return {
    Source: LOCAL_EVENT_SOURCE_NAME,
    DetailType: `v2.detail.events.conversation.{id}.${kind}`,
    Detail: JSON.stringify({ topicName: `v2.detail.events.conversation.${CONVERSATION}.${kind}`, version: '2', eventBody, metadata: { CorrelationId: 'c-1' }, timestamp: '2024-01-01T00:00:00.000Z' }),
  };
}

describe('startLocalStack', () => {
  const stacks = useTestStacks('local-stack-');

  it('runs an event from the bus to Genesys, and parks an invalid one with its reason', async () => {
    const stack = await stacks.start();
    stack.simulator.addConversation({ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer' }] });

    await stack.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          { ...conversationEvent('customer.start', { eventTime: 1_700_000_000_000, conversationId: CONVERSATION, participantId: CUSTOMER }), EventBusName: stack.busName },
          { ...conversationEvent('customer.start', { conversationId: 'not-a-uuid' }), EventBusName: stack.busName },
        ],
      }),
    );
    await stack.waitForDrain({ timeoutMs: 15_000 });
    const { Messages = [] } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queues.deadLetterQueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );

    expect(stack.handlerKind).toBe('bundle');
    expect(stack.simulator.state()).toEqual({ [CONVERSATION]: { [CUSTOMER]: { 'aws.customer.start': '2023-11-14T22:13:20.000Z' } } });
    expect(Messages.map((message) => message.MessageAttributes?.errorName?.StringValue)).toEqual(['InvalidEvent']);
    expect(stack.stats()).toMatchObject({
      stepFunctions: { byStatus: { SUCCEEDED: 1, FAILED: 0 } },
      poller: { received: 2, deleted: 2 },
      lambda: { DispatcherFunction: { errors: 0 }, ProcessorFunction: { invocations: 1, errors: 0 } },
    });

    await stack.stop();
    expect(Object.values(stack.runtime.stats()).every((fn) => fn.environments === 0)).toBe(true);
    await expect(fetch(stack.endpoints.stepFunctions, { method: 'POST' })).rejects.toThrow();
  });

  it('stops what it started when starting fails half-way', async () => {
    const template = loadTemplate();
    delete template.Resources.EventsQueue;
    const port = await freePort();

    await expect(stacks.start({ template, handlers: 'source', genesys: { port }, logs: 'inherit' })).rejects.toThrow(
      /cannot provision GenesysConversationEventsRule/,
    );

    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
