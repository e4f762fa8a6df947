/**
 * A high --time-scale still applies events: the dispatcher's deadline reserve is real time (AWS calls do not speed up),
 * so its scaled Timeout keeps the usual floor of work past it. At ×20 it did not: every batch was handed back at once.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { peekParked } from '../../local/harness/dead-letters.js';
import type { LocalStack } from '../../local/stack/index.js';
import { genesysEvent } from '../helpers/factories.js';
import { useTestStacks } from '../helpers/local-stack.js';

const CONVERSATION = '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c';
const CUSTOMER = '6f5e4d3c-2b1a-4098-8e7d-6c5b4a3f2e1d';

describe.each([20, 50])('a local stack at time scale ×%d', (timeScale) => {
  const stacks = useTestStacks(`time-scale-${timeScale}-`);
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await stacks.start({ timeScale });
    stack.simulator.addConversation({ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer' }] });
    const events = [genesysEvent({ kind: 'customer.start', conversationId: CONVERSATION, participantId: CUSTOMER })];
    const { FailedEntryCount } = await stack.clients.eventBridge.send(
      new PutEventsCommand({ Entries: events.map((event) => ({ EventBusName: stack.busName, Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) })) }),
    );
    expect(FailedEntryCount).toBe(0);
    await new Promise((done) => setTimeout(done, 200));
    await stack.waitForDrain({ timeoutMs: 60_000 });
  }, 120_000);

  it('applies the event at its first delivery, handing nothing back', async () => {
    expect(stack.simulator.state()[CONVERSATION]?.[CUSTOMER]).toEqual({ 'aws.customer.start': '2022-04-06T09:30:44.949Z' });
    expect(stack.stats().poller.reportedFailures + stack.stats().poller.failedBatches).toBe(0);
    await expect(peekParked(stack, 'events')).resolves.toEqual([]);
  });
});
