/**
 * The worked example of an action's own step (docs/examples/own-step): template-snippet.yaml added to the template
 * as a user would, its actions file compiled into the workflow, run through the local stack: the step's output
 * reaches the writes, and a failing step parks its event with the step's error, as any failure does.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { peekParked } from '../../local/harness/dead-letters.js';
import type { LocalStack } from '../../local/stack/index.js';
import { readActions } from '../../tools/actions/index.js';
import { loadTemplate, parseTemplate, PROJECT_ROOT, type Template } from '../../template/index.js';
import { genesysEvent } from '../helpers/factories.js';
import { useTestStacks } from '../helpers/local-stack.js';

const EXAMPLE = resolve(PROJECT_ROOT, 'docs/examples/own-step');
const SALES_QUEUE = '3f7c2a1e-9b8d-4c6e-a5f4-1e2d3c4b5a69';
const OTHER_QUEUE = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const CONVERSATION = '7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908';
const ACD = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const ACD_AGAIN = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
const ACD_WITHOUT_QUEUE = '3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f';

/** template.yaml with template-snippet.yaml added where the snippet says. */
function templateWithStep(): Template {
  const snippet = parseTemplate(readFileSync(resolve(EXAMPLE, 'template-snippet.yaml'), 'utf8')) as unknown as {
    Resources: Template['Resources'];
    ProcessEventStateMachine: { DefinitionSubstitutions: Record<string, unknown>; Policies: unknown[] };
  };
  const template = structuredClone(loadTemplate());
  Object.assign(template.Resources, snippet.Resources);
  const machine = template.Resources.ProcessEventStateMachine!.Properties as { DefinitionSubstitutions: Record<string, unknown>; Policies: unknown[] };
  Object.assign(machine.DefinitionSubstitutions, snippet.ProcessEventStateMachine.DefinitionSubstitutions);
  machine.Policies.push(...snippet.ProcessEventStateMachine.Policies);
  return template;
}

describe('an action with its own step', () => {
  const stacks = useTestStacks('own-step-');
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await stacks.start({ template: templateWithStep(), actions: readActions(resolve(EXAMPLE, 'actions.yaml')) });
    stack.simulator.addConversation({ id: CONVERSATION, participants: [{ id: ACD, purpose: 'acd' }, { id: ACD_AGAIN, purpose: 'acd' }, { id: ACD_WITHOUT_QUEUE, purpose: 'acd' }] });
    const events = [
      genesysEvent({ kind: 'acd.end', conversationId: CONVERSATION, participantId: ACD, body: { queueId: SALES_QUEUE } }),
      genesysEvent({ kind: 'acd.end', conversationId: CONVERSATION, participantId: ACD_AGAIN, body: { queueId: OTHER_QUEUE } }),
      genesysEvent({ kind: 'acd.end', conversationId: CONVERSATION, participantId: ACD_WITHOUT_QUEUE }),
    ];
    const put = await stack.clients.eventBridge.send(
      new PutEventsCommand({ Entries: events.map((event) => ({ EventBusName: stack.busName, Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) })) }),
    );
    expect(put.FailedEntryCount).toBe(0);
    await new Promise((done) => setTimeout(done, 200));
    await stack.waitForDrain({ timeoutMs: 60_000 });
  }, 180_000);

  it('writes what the step returned, beside what the event carries', () => {
    expect(stack.simulator.state()[CONVERSATION]).toEqual({
      [ACD]: { 'crm.acd.end.queueName': 'Sales', 'crm.acd.end.queueId': SALES_QUEUE },
      [ACD_AGAIN]: { 'crm.acd.end.queueName': `unknown queue ${OTHER_QUEUE}`, 'crm.acd.end.queueId': OTHER_QUEUE },
    });
  });

  it('calls the step once per event, through the state the compiled routing inserted', () => {
    expect(stack.stats().lambda.QueueNameFunction?.invocations).toBe(3);
    expect(stack.stats().lambda.ProcessorFunction?.invocations).toBe(2);
  });

  it('parks an event its step fails on, with the step\'s error name and message, at its first receive', async () => {
    const parked = await peekParked(stack, 'events');
    expect(parked.map((message) => [message.errorName, message.receiveCount, JSON.parse(message.body).detail.eventBody.participantId])).toEqual([['NoQueueId', 1, ACD_WITHOUT_QUEUE]]);
    expect(parked[0]?.errorMessage).toContain('the acd.end event carries no queueId to name');
  });
});
