import { readFileSync } from 'node:fs';
import { parseConversationEvent, parseWorkflowInput, toWorkflowInput, kindOfTopic } from '../../functions/shared/events.js';
import { InvalidEvent } from '../../functions/shared/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/genesys-events/${name}`, import.meta.url), 'utf8');

describe('parseConversationEvent', () => {
  it('reads kind, ids and correlation id from a real Genesys event', () => {
    const event = parseConversationEvent(fixture('customer-start.json'));
    expect(event.kind).toBe('customer.start');
    expect(event.body.conversationId).toBe('2f7bf00a-0fc2-4d6a-9b56-92238191433e');
    expect(event.body.participantId).toBe('9fb2ca78-8389-4758-b76a-9b0300de1fce');
    expect(event.correlationId).toBe('fe8a8579-b83f-4f07-b371-2b39398f91a8');
  });

  it.each([
    ['not JSON', '{"id":', /not JSON/],
    ['an array', '[]', /JSON object/],
    ['no detail-type', JSON.stringify({ id: 'x', source: 'aws.partner/genesys.com/x' }), /not an EventBridge event/],
    ['another source', JSON.stringify({ id: 'x', 'detail-type': 'v2.detail.events.conversation.{id}.acw', source: 'aws.ec2', detail: {} }), /not a Genesys/],
    ['another topic', JSON.stringify({ id: 'x', 'detail-type': 'v2.users.{id}.presence', source: 'aws.partner/genesys.com/x', detail: { eventBody: {} } }), /not a conversation detail event/],
  ])('rejects a body that is %s', (_label, body, message) => {
    expect(() => parseConversationEvent(body)).toThrow(InvalidEvent);
    expect(() => parseConversationEvent(body)).toThrow(message);
  });

  it.each([
    ['../', '../'],
    ['%2F', '%2F'],
    ['empty', ''],
    ['10 KB long', 'a'.repeat(10_240)],
    ['a number', 42],
  ])('rejects a conversationId that is %s', (_label, conversationId) => {
    const event = JSON.parse(fixture('customer-end.json'));
    event.detail.eventBody.conversationId = conversationId;
    expect(() => parseConversationEvent(JSON.stringify(event))).toThrow(/conversationId must be a UUID/);
  });

  it('rejects an eventTime later than a JavaScript Date holds, which would throw RangeError in the processor', () => {
    const event = JSON.parse(fixture('customer-end.json'));
    event.detail.eventBody.eventTime = 8.64e15;
    expect(parseConversationEvent(JSON.stringify(event)).body.eventTime).toBe(8.64e15);
    event.detail.eventBody.eventTime = 8.64e15 + 1;
    expect(() => parseConversationEvent(JSON.stringify(event))).toThrow(/eventTime must be epoch milliseconds/);
  });

  it.each([
    ['another kind than detail-type', (event: { detail: { topicName: string } }) => (event.detail.topicName = event.detail.topicName.replace('customer.end', 'acw')), /topicName names the kind "acw", detail-type "customer.end"/],
    ['another conversation than eventBody', (event: { detail: { topicName: string } }) => (event.detail.topicName = 'v2.detail.events.conversation.6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60.customer.end'), /topicName names the conversation "6f1c2a4e/],
    ['not a conversation topic', (event: { detail: { topicName: unknown } }) => (event.detail.topicName = 42), /topicName 42|topicName number/],
  ])('rejects an event whose topicName names %s: which half to believe would be a guess', (_label, edit, message) => {
    const event = JSON.parse(fixture('customer-end.json'));
    edit(event);
    expect(() => parseConversationEvent(JSON.stringify(event))).toThrow(message);
  });

  it('accepts a topicName whose conversation id differs only in case, and an event without a topicName', () => {
    const event = JSON.parse(fixture('customer-end.json'));
    event.detail.topicName = event.detail.topicName.toUpperCase().replace('V2.DETAIL.EVENTS.CONVERSATION.', 'v2.detail.events.conversation.').replace('.CUSTOMER.END', '.customer.end');
    expect(parseConversationEvent(JSON.stringify(event)).kind).toBe('customer.end');
    delete event.detail.topicName;
    expect(parseConversationEvent(JSON.stringify(event)).kind).toBe('customer.end');
  });

  it('rejects a participantId that is not a UUID but accepts an event without one', () => {
    const event = JSON.parse(fixture('customer-end.json'));
    event.detail.eventBody.participantId = '../../users';
    expect(() => parseConversationEvent(JSON.stringify(event))).toThrow(/participantId must be a UUID/);
    delete event.detail.eventBody.participantId;
    expect(parseConversationEvent(JSON.stringify(event)).body.participantId).toBeUndefined();
  });
});

describe('workflow input', () => {
  it('round-trips through the processor payload validation', () => {
    const input = toWorkflowInput('m-1', parseConversationEvent(fixture('customer-end.json')));
    expect(parseWorkflowInput(JSON.parse(JSON.stringify(input)))).toEqual(input);
  });

  it('takes the kind from the end of the topic', () => {
    expect(kindOfTopic('v2.detail.events.conversation.{id}.customer.start')).toBe('customer.start');
    expect(kindOfTopic('v2.detail.events.conversation.abc.acw')).toBe('acw');
    expect(kindOfTopic('v2.detail.events.conversation.abc')).toBeUndefined();
  });
});
