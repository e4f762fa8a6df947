import { CONVERSATION_EVENT_KINDS, type ConversationEventBody } from '../../functions/shared/events.js';
import { ACTED_ON_KINDS, attributesFor, isActedOn } from '../helpers/default-actions.js';

const ATTRIBUTE_PREFIX = 'aws.';
type ActedOnKind = string;

const CONVERSATION_ID = '2f7bf00a-0fc2-4d6a-9b56-92238191433e';
const QUEUE_ID = 'b7c2e9a0-3f41-4d5e-8a6b-1c2d3e4f5a6b';
const USER_ID = 'e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7';
const T0 = 1649237444949; // 2022-04-06T09:30:44.949Z, the customer-start sample's eventTime

const body = (fields: Partial<ConversationEventBody> = {}): ConversationEventBody => ({ conversationId: CONVERSATION_ID, eventTime: T0, ...fields });
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** Genesys merges a PATCH's keys into the participant's attributes. */
const applyAll = (events: [ActedOnKind, ConversationEventBody][]): Record<string, string> =>
  events.reduce<Record<string, string>>((state, [kind, eventBody]) => ({ ...state, ...attributesFor(kind, eventBody) }), {});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe('the default actions.yaml, as the fixed behaviour it replaces', () => {
  it.each<[ActedOnKind, Partial<ConversationEventBody>, Record<string, string>]>([
    ['customer.start', {}, { 'aws.customer.start': '2022-04-06T09:30:44.949Z' }],
    ['customer.end', { disconnectType: 'peer' }, { 'aws.customer.end': '2022-04-06T09:30:44.949Z', 'aws.customer.end.disconnectType': 'peer' }],
    ['acd.start', { queueId: QUEUE_ID }, { 'aws.acd.start': '2022-04-06T09:30:44.949Z', 'aws.acd.start.queueId': QUEUE_ID }],
    [
      'acd.end',
      { queueId: QUEUE_ID, disconnectType: 'transfer' },
      { 'aws.acd.end': '2022-04-06T09:30:44.949Z', 'aws.acd.end.queueId': QUEUE_ID, 'aws.acd.end.disconnectType': 'transfer' },
    ],
    ['user.start', { userId: USER_ID }, { 'aws.user.start': '2022-04-06T09:30:44.949Z', 'aws.user.start.userId': USER_ID }],
    [
      'user.end',
      { userId: USER_ID, disconnectType: 'client' },
      { 'aws.user.end': '2022-04-06T09:30:44.949Z', 'aws.user.end.userId': USER_ID, 'aws.user.end.disconnectType': 'client' },
    ],
    ['acw', { wrapupCode: 'SALE' }, { 'aws.acw.2022-04-06T09:30:44.949Z.wrapupCode': 'SALE' }],
    ['acw', {}, { 'aws.acw.2022-04-06T09:30:44.949Z.wrapupCode': '' }],
  ])('writes for %s %j exactly these attributes', (kind, fields, expected) => {
    expect(attributesFor(kind, body(fields))).toEqual(expected);
  });

  it('leaves out detail fields the event does not carry', () => {
    expect(attributesFor('user.end', body())).toEqual({ 'aws.user.end': '2022-04-06T09:30:44.949Z' });
  });

  it('writes "unknown" for the time of an event without eventTime, never the clock', () => {
    const { eventTime: _eventTime, ...withoutTime } = body();
    expect(attributesFor('customer.start', withoutTime)).toEqual({ 'aws.customer.start': 'unknown' });
  });

  it('ignores fields it does not map', () => {
    expect(attributesFor('customer.start', body({ queueId: QUEUE_ID, mediaType: 'CHAT' }))).toEqual({ 'aws.customer.start': '2022-04-06T09:30:44.949Z' });
  });

  it('prefixes every key with aws. and writes only strings', () => {
    for (const kind of ACTED_ON_KINDS) {
      const attributes = attributesFor(kind, body({ queueId: QUEUE_ID, userId: USER_ID, wrapupCode: 'W', disconnectType: 'peer' }));
      for (const [key, value] of Object.entries(attributes)) {
        expect(key.startsWith(ATTRIBUTE_PREFIX)).toBe(true);
        expect(typeof value).toBe('string');
      }
    }
  });

  it('ends in the same state when an event is applied twice', () => {
    const event: [ActedOnKind, ConversationEventBody] = ['acd.end', body({ queueId: QUEUE_ID, disconnectType: 'transfer' })];
    expect(applyAll([event, event])).toEqual(applyAll([event]));
  });

  it('ends in the same state whatever order a conversation’s events arrive in, duplicates and an acw reopen included', () => {
    const events: [ActedOnKind, ConversationEventBody][] = [
      ['customer.start', body({ eventTime: T0 })],
      ['acd.start', body({ eventTime: T0 + 1_000, queueId: QUEUE_ID })],
      ['acd.end', body({ eventTime: T0 + 5_000, queueId: QUEUE_ID, disconnectType: 'transfer' })],
      ['user.start', body({ eventTime: T0 + 5_000, userId: USER_ID })],
      ['user.end', body({ eventTime: T0 + 60_000, userId: USER_ID, disconnectType: 'client' })],
      ['acw', body({ eventTime: T0 + 61_000, wrapupCode: 'SALE' })],
      ['acw', body({ eventTime: T0 + 3_600_000, wrapupCode: 'FOLLOW-UP' })],
    ];
    const expected = applyAll(events);

    for (const order of permutations(events)) expect(applyAll(order)).toEqual(expected);
    expect(applyAll([...events, events[5]!, events[0]!])).toEqual(expected);
    expect(expected[`aws.acw.${iso(T0 + 61_000)}.wrapupCode`]).toBe('SALE');
    expect(expected[`aws.acw.${iso(T0 + 3_600_000)}.wrapupCode`]).toBe('FOLLOW-UP');
  });
});

describe('the kinds the default actions.yaml acts on', () => {
  it.each(ACTED_ON_KINDS)('acts on %s', (kind) => {
    expect(isActedOn(kind)).toBe(true);
  });

  it.each(CONVERSATION_EVENT_KINDS.filter((kind) => !(ACTED_ON_KINDS as readonly string[]).includes(kind)))('does not act on %s', (kind) => {
    expect(isActedOn(kind)).toBe(false);
  });

  it('does not act on attributes events, which its own PATCH raises', () => {
    expect(isActedOn('attributes')).toBe(false);
  });
});
