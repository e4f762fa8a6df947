import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isUuid } from '../../functions/shared/events.js';
import type { EventEntry } from '../../local/harness/load/entry.js';
import { loadEventsFile } from '../../local/harness/load/events-file.js';
import { ConversationsFileError, conversationsOf, impliedParticipantId, readConversationsFile, userConversations } from '../../local/harness/load/user-conversations.js';
import { defaultActions, parseActions } from '../../tools/actions/index.js';
import { PROJECT_ROOT } from '../../template/index.js';

const CONVERSATION = '7d2f9c1e-4b8a-4e61-a3d5-0c9e8f7a6b51';
const CUSTOMER = '5e8a1f2b-7c4d-4e9a-b6f3-2d1c0e9b8a77';
const AGENT = '1f7c3e9a-5b2d-4c8e-a0f6-3e9d7b1c5a28';
const USER = 'e2b6d4f8-9a1c-4e3b-8d7f-0c5a2e6b9d13';

function entry(kind: string, body: Record<string, unknown>): EventEntry {
  return {
    Source: 'aws.partner/genesys.com/cloud/org/bus',
    DetailType: `v2.detail.events.conversation.{id}.${kind}`,
    Detail: JSON.stringify({ topicName: `v2.detail.events.conversation.${CONVERSATION}.${kind}`, eventBody: { conversationId: CONVERSATION, eventTime: 1_764_666_000_000, ...body } }),
  };
}

describe('conversationsOf', () => {
  it('knows each participant an event names, a customer.* one as the customer and a user.* one as the agent with its userId', () => {
    const [conversation] = conversationsOf([entry('customer.start', { participantId: CUSTOMER }), entry('user.start', { participantId: AGENT, userId: USER })], defaultActions());
    expect(conversation).toEqual({ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer' }, { id: AGENT, purpose: 'agent', userId: USER }] });
  });

  it('gives a conversation a customer when an event without participantId writes to one and no event names one', () => {
    const [conversation] = conversationsOf([entry('customer.start', {}), entry('user.start', { participantId: AGENT, userId: USER })], defaultActions());
    const customer = conversation?.participants.find((participant) => participant.purpose === 'customer');
    expect(customer?.id).toBe(impliedParticipantId(CONVERSATION, 'customer'));
    expect(isUuid(customer?.id)).toBe(true);
  });

  it('adds no customer when an event names it, or when no write needs one', () => {
    const named = conversationsOf([entry('customer.end', { participantId: CUSTOMER }), entry('customer.start', {})], defaultActions());
    expect(named[0]?.participants).toEqual([{ id: CUSTOMER, purpose: 'customer' }]);
    // flow.start is a kind no action of the default file uses: it writes to no one.
    expect(conversationsOf([entry('flow.start', {})], defaultActions())[0]?.participants).toEqual([]);
  });

  it('gives an agent to the userId of an action that writes to the agent, when no participant has it', () => {
    const actions = parseActions('actions:\n  - name: n\n    on: user.end\n    writes:\n      - participantAttributes: { participant: agent, values: { "crm.ended.{{eventBody.eventTime | iso}}": "{{eventBody.disconnectType}}" } }\n', 'agent.yaml');
    const [conversation] = conversationsOf([entry('user.end', { userId: USER, disconnectType: 'client' })], actions);
    expect(conversation?.participants).toEqual([{ id: impliedParticipantId(CONVERSATION, `agent/${USER}`), purpose: 'agent', userId: USER }]);
    const named = conversationsOf([entry('user.end', { participantId: AGENT, userId: USER, disconnectType: 'client' })], actions);
    expect(named[0]?.participants).toEqual([{ id: AGENT, purpose: 'agent', userId: USER }]);
  });

  it('leaves out what the pipeline parks: an event with a hostile id implies no conversation', () => {
    expect(conversationsOf([entry('customer.start', { conversationId: '../../x' }), entry('user.end', { participantId: 'a%2Fb c' })], defaultActions())).toEqual([]);
  });

  it("implies a customer for the mixed events file's customer.start without participantId", () => {
    const entries = loadEventsFile(resolve(PROJECT_ROOT, 'tests/fixtures/events-files/mixed-user-events.jsonl'));
    const byId = new Map(conversationsOf(entries, defaultActions()).map((conversation) => [conversation.id, conversation]));
    expect(byId.get('a41e6b0d-2c93-4f7a-8e15-9b6d3c2f1e08')?.participants).toEqual([{ id: impliedParticipantId('a41e6b0d-2c93-4f7a-8e15-9b6d3c2f1e08', 'customer'), purpose: 'customer' }]);
    expect(byId.get(CONVERSATION)?.participants.map((participant) => participant.purpose).sort()).toEqual(['acd', 'agent', 'customer']);
  });
});

describe('readConversationsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conversations-'));
  const file = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the simulator's format, userId and starting attributes included", () => {
    const conversations = [{ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer', attributes: { crm: 'x' } }, { id: AGENT, purpose: 'agent', userId: USER }] }];
    expect(readConversationsFile(file('ok.json', conversations))).toEqual(conversations);
  });

  it.each([
    ['not JSON', '[{', /not\.json: /],
    ['not an array', { id: CONVERSATION }, /must hold a JSON array/],
    ['an id that is no UUID', [{ id: '../x', participants: [] }], /item 1 needs an "id" that is a UUID/],
    ['a participant id that is no UUID', [{ id: CONVERSATION, participants: [{ id: 'a b', purpose: 'customer' }] }], /item 1 participant 1\.id must be a UUID, got "a b"/],
    ['attributes that are not strings', [{ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer', attributes: { n: 1 } }] }], /attributes must be an object of strings/],
  ])('refuses %s, naming the file and the item', (_, content, message) => {
    const path = file('not.json', content);
    expect(() => readConversationsFile(path)).toThrow(ConversationsFileError);
    expect(() => readConversationsFile(path)).toThrow(message);
  });
});

describe('userConversations', () => {
  it("takes a conversation from the file as it is, and implies the others", () => {
    const other = '9b6d3c2f-1e08-4a41-8e6b-0d2c934f7a15';
    const given = [{ id: CONVERSATION, participants: [{ id: AGENT, purpose: 'agent' }] }];
    const entries = [entry('customer.start', {}), { ...entry('customer.start', {}), Detail: JSON.stringify({ eventBody: { conversationId: other } }) }];
    const conversations = userConversations(entries, defaultActions(), given);
    expect(conversations[0]).toEqual(given[0]);
    expect(conversations[1]).toEqual({ id: other, participants: [{ id: impliedParticipantId(other, 'customer'), purpose: 'customer' }] });
  });
});
