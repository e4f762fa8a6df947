import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidEvent } from '../../functions/shared/errors.js';
import { isUuid, parseConversationEvent } from '../../functions/shared/events.js';
import { attributesFor } from '../helpers/default-actions.js';
import type { EventEntry } from '../../local/harness/load/entry.js';
import { loadEventsFile } from '../../local/harness/load/events-file.js';
import { expectedState } from '../../local/harness/load/expected-state.js';
import { generateConversationEvents, type GeneratedEvent } from '../../local/harness/load/generate.js';
import { publishEvents } from '../../local/harness/load/publish.js';
import { SeededRandom } from '../../local/shared/random.js';
import { startGenesysSimulator } from '../../local/genesys-sim/server.js';

const fixturePath = (name: string): string => new URL(`../fixtures/genesys-events/${name}`, import.meta.url).pathname;

/** The SQS body EventBridge would deliver for an entry. */
function envelope(entry: EventEntry): string {
  return JSON.stringify({
    version: '0',
    id: 'test',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: entry.Time?.toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: JSON.parse(entry.Detail),
  });
}

const TROUBLED = { conversations: 60, seed: 7, duplicateRate: 0.05, outOfOrderRate: 0.1, malformedRate: 0.02, missingParticipantRate: 0.3 };

describe('SeededRandom', () => {
  it('repeats for one seed and differs between seeds', () => {
    const draw = (seed: number): number[] => Array.from({ length: 5 }, ((random) => () => random.next())(new SeededRandom(seed)));
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(isUuid(new SeededRandom(1).uuid())).toBe(true);
  });
});

describe('generateConversationEvents', () => {
  it('is deterministic for a seed', () => {
    expect(generateConversationEvents(TROUBLED)).toEqual(generateConversationEvents(TROUBLED));
    expect(generateConversationEvents({ ...TROUBLED, seed: 8 }).events[0]).not.toEqual(generateConversationEvents(TROUBLED).events[0]);
  });

  it('makes valid events the dispatcher accepts, about known conversations and participants', () => {
    const { events, conversations } = generateConversationEvents(TROUBLED);
    const participants = new Map(conversations.flatMap((c) => c.participants.map((p) => [`${c.id}/${p.id}`, p.purpose] as const)));
    const valid = events.filter((event) => event.expected === 'valid');
    expect(valid.length).toBeGreaterThan(400);
    for (const event of valid) {
      const parsed = parseConversationEvent(envelope(event.entry));
      expect(parsed.kind).toBe(event.kind);
      expect(parsed.topicName).toBe(`v2.detail.events.conversation.${event.conversationId}.${event.kind}`);
      expect(event.entry.DetailType).toBe(`v2.detail.events.conversation.{id}.${event.kind}`);
      expect(event.entry.Source).toMatch(/^aws\.partner\/genesys\.com\/cloud\/[0-9a-f-]{36}\/genesys-load$/);
      expect(isUuid(event.conversationId) && isUuid(event.participantId)).toBe(true);
      expect(participants.has(`${event.conversationId}/${event.participantId}`)).toBe(true);
      if (parsed.body.participantId === undefined) expect(participants.get(`${event.conversationId}/${event.participantId}`)).toBe('customer');
    }
    expect(conversations.every((c) => c.participants.some((p) => p.purpose === 'customer'))).toBe(true);
  });

  it('carries the per-kind fields the processor writes', () => {
    const { events } = generateConversationEvents({ conversations: 20 });
    const bodyOf = (event: GeneratedEvent): Record<string, unknown> => JSON.parse(event.entry.Detail).eventBody;
    const byKind = (kind: string): Record<string, unknown>[] => events.filter((e) => e.kind === kind).map(bodyOf);
    expect(byKind('acd.start').every((body) => isUuid(body.queueId))).toBe(true);
    expect(byKind('user.start').every((body) => isUuid(body.userId))).toBe(true);
    expect(byKind('acw').every((body) => isUuid(body.wrapupCode))).toBe(true);
    expect(byKind('customer.end').every((body) => typeof body.disconnectType === 'string')).toBe(true);
    expect(events.map(bodyOf).every((body) => typeof body.mediaType === 'string' && body.direction === 'INBOUND' && isUuid(body.sessionId))).toBe(true);
  });

  it('delivers each conversation in time order unless asked otherwise', () => {
    const inOrder = (events: GeneratedEvent[]): boolean => {
      const last = new Map<string, number>();
      return events.every((event) => {
        const time = event.entry.Time?.getTime() ?? 0;
        const ok = time >= (last.get(event.conversationId) ?? 0);
        last.set(event.conversationId, time);
        return ok;
      });
    };
    expect(inOrder(generateConversationEvents({ conversations: 30 }).events)).toBe(true);
    expect(inOrder(generateConversationEvents({ conversations: 30, outOfOrderRate: 0.2 }).events)).toBe(false);
  });

  it('returns exactly the number of events asked for, reopening conversations when needed', () => {
    expect(generateConversationEvents({ conversations: 50, events: 100 }).events).toHaveLength(100);
    const reopened = generateConversationEvents({ conversations: 2, events: 60, seed: 3 });
    expect(reopened.events).toHaveLength(60);
    expect(reopened.events.filter((e) => e.kind === 'acw').length).toBeGreaterThan(30);
    expect(generateConversationEvents({ events: 900, duplicateRate: 0.1, malformedRate: 0.1 }).events).toHaveLength(900);
  });

  it('repeats, breaks and strips participants at about the requested rates', () => {
    const { events } = generateConversationEvents({ ...TROUBLED, events: 2000 });
    const duplicates = events.filter((e) => e.duplicate);
    const malformed = events.filter((e) => e.expected === 'malformed');
    expect(duplicates).toHaveLength(100);
    expect(malformed).toHaveLength(40);
    for (const duplicate of duplicates) {
      expect(events.some((e) => !e.duplicate && e.entry.Detail === duplicate.entry.Detail)).toBe(true);
    }
    expect(new Set(malformed.map((e) => e.malformation)).size).toBe(3);
    for (const event of malformed) {
      expect(() => parseConversationEvent(envelope(event.entry))).toThrow(InvalidEvent);
      expect(event.entry.Source.startsWith('aws.partner/genesys.com')).toBe(true);
    }
    const customerEvents = events.filter((e) => e.expected === 'valid' && e.kind.startsWith('customer.'));
    const stripped = customerEvents.filter((e) => JSON.parse(e.entry.Detail).eventBody.participantId === undefined);
    expect(stripped.length / customerEvents.length).toBeGreaterThan(0.2);
    expect(stripped.length / customerEvents.length).toBeLessThan(0.4);
    expect(events.filter((e) => !e.kind.startsWith('customer.') && e.expected === 'valid').every((e) => JSON.parse(e.entry.Detail).eventBody.participantId)).toBe(true);
  });

  it('rejects rates out of range', () => {
    expect(() => generateConversationEvents({ duplicateRate: 1.5 })).toThrow(RangeError);
    expect(() => generateConversationEvents({ duplicateRate: 0.6, malformedRate: 0.4 })).toThrow(RangeError);
  });
});

describe('expectedState', () => {
  const load = generateConversationEvents(TROUBLED);

  it('is the same whatever the order and however often events repeat', () => {
    const state = expectedState(load.events);
    expect(expectedState(new SeededRandom(99).shuffle(load.events))).toEqual(state);
    expect(expectedState(load.events.filter((e) => !e.duplicate))).toEqual(state);
    expect(expectedState([...load.events, ...load.events].reverse())).toEqual(state);
  });

  it('writes each acted-on event to its participant, the customer where the body has none', () => {
    const state = expectedState(load.events);
    const event = load.events.find((e) => e.kind === 'customer.end' && e.expected === 'valid' && JSON.parse(e.entry.Detail).eventBody.participantId === undefined);
    expect(event).toBeDefined();
    const body = JSON.parse(event!.entry.Detail).eventBody;
    expect(state[event!.conversationId]?.[event!.participantId!]).toMatchObject(attributesFor('customer.end', body));
    // Entries alone carry no participant hint: the conversations list names the customer.
    expect(expectedState(load.events.map((e) => e.entry), load.conversations)).toEqual(state);
  });

  it('ignores malformed events, kinds not acted on and unknown conversations', () => {
    const malformedOnly = load.events.filter((e) => e.expected === 'malformed');
    expect(malformedOnly.length).toBeGreaterThan(0);
    expect(expectedState(malformedOnly)).toEqual({});
    expect(expectedState(load.events.filter((e) => ['flow.start', 'flow.end', 'attributes'].includes(e.kind)))).toEqual({});
    expect(expectedState(load.events, [])).toEqual({});
  });

  it('matches the simulator once every acted-on event is written back, in any order', async () => {
    const { events, conversations } = generateConversationEvents({ conversations: 8, seed: 11, duplicateRate: 0.1, missingParticipantRate: 0.5 });
    const sim = await startGenesysSimulator({ conversations });
    try {
      const [client] = sim.clients;
      const login = await fetch(`${sim.loginBaseUrl}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client!.clientId}:${client!.clientSecret}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      const { access_token: token } = (await login.json()) as { access_token: string };
      for (const event of new SeededRandom(5).shuffle(events)) {
        const single = expectedState([event]);
        for (const [conversationId, participants] of Object.entries(single)) {
          for (const [participantId, attributes] of Object.entries(participants)) {
            const response = await fetch(`${sim.apiBaseUrl}/api/v2/conversations/${conversationId}/participants/${participantId}/attributes`, {
              method: 'PATCH',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ attributes }),
            });
            expect(response.status).toBe(202);
          }
        }
      }
      expect(sim.state()).toEqual(expectedState(events));
    } finally {
      await sim.stop();
    }
  });
});

describe('loadEventsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'load-events-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(fixturePath(name), 'utf8'));

  it('reads a fixture: one EventBridge event with its full envelope', () => {
    const [entry] = loadEventsFile(fixturePath('customer-start.json'));
    expect(entry).toMatchObject({ Source: fixture('customer-start.json').source, DetailType: 'v2.detail.events.conversation.{id}.customer.start' });
    expect(JSON.parse(entry!.Detail)).toEqual(fixture('customer-start.json').detail);
    expect(entry!.Time?.toISOString()).toBe('2022-04-06T09:30:45.000Z');
    expect(parseConversationEvent(envelope(entry!)).kind).toBe('customer.start');
  });

  it('reads a JSON array of envelopes and JSON lines of PutEvents entries', () => {
    const envelopes = write('events.json', JSON.stringify([fixture('customer-start.json'), fixture('customer-end.json')]));
    expect(loadEventsFile(envelopes).map((e) => e.DetailType)).toEqual([
      'v2.detail.events.conversation.{id}.customer.start',
      'v2.detail.events.conversation.{id}.customer.end',
    ]);
    const { events } = generateConversationEvents({ conversations: 2 });
    const lines = write('events.jsonl', `${events.map((e) => JSON.stringify(e.entry)).join('\n')}\n\n`);
    const read = loadEventsFile(lines);
    expect(read).toHaveLength(events.length);
    expect(read[0]).toEqual(events[0]!.entry);
    expect(expectedState(read)).toEqual(expectedState(events));
  });

  it('names the line that is neither', () => {
    const path = write('bad.jsonl', `${JSON.stringify({ Source: 's', DetailType: 'd', Detail: '{}' })}\n{"hello": 1}\n`);
    expect(() => loadEventsFile(path)).toThrow(/bad\.jsonl:2 is neither/);
    expect(() => loadEventsFile(write('broken.jsonl', `${JSON.stringify({ Source: 's', DetailType: 'd', Detail: '{}' })}\n{oops\n`))).toThrow(/broken\.jsonl:2 is not JSON/);
  });
});

describe('publishEvents', () => {
  const eventBridgeMock = mockClient(EventBridgeClient);
  const eventBridge = new EventBridgeClient({ region: 'us-east-1' });
  const entries = generateConversationEvents({ conversations: 3, events: 25 }).events.map((e) => e.entry);

  afterEach(() => eventBridgeMock.reset());

  it('sends chunks of at most 10 entries to the given bus, reports progress and keeps the id of every entry', async () => {
    eventBridgeMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
    }));
    const progress: number[] = [];
    const result = await publishEvents(entries, { eventBridge, busName: 'local-bus', onProgress: ({ sent }) => progress.push(sent) });
    const idsPerCall = (n: number): string[] => Array.from({ length: n }, (_, i) => `e-${i}`);
    expect(result).toEqual({ sent: 25, failed: 0, failures: [], eventIds: [...idsPerCall(10), ...idsPerCall(10), ...idsPerCall(5)] });
    const calls = eventBridgeMock.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(calls.map((call) => call.length)).toEqual([10, 10, 5]);
    expect(calls.flat().every((entry) => entry.EventBusName === 'local-bus')).toBe(true);
    expect(calls.flat().map((entry) => entry.Detail)).toEqual(entries.map((entry) => entry.Detail));
    expect(progress).toEqual([10, 20, 25]);
  });

  it('re-sends the entries PutEvents reports as failed, and counts those that never get through', async () => {
    let call = 0;
    eventBridgeMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      call += 1;
      const failing = (entry: PutEventsRequestEntry): boolean => entry.Detail === entries[0]!.Detail || (call === 1 && entry.Detail === entries[1]!.Detail);
      return {
        FailedEntryCount: input.Entries.filter(failing).length,
        Entries: input.Entries.map((entry) => (failing(entry) ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: 'ok' })),
      };
    });
    const result = await publishEvents(entries.slice(0, 5), { eventBridge, maxAttempts: 3, retryDelayMs: 1 });
    expect(result.sent).toBe(4);
    expect(result.failed).toBe(1);
    expect(result.failures).toEqual([{ entry: entries[0], errorCode: 'InternalFailure', errorMessage: 'try again' }]);
    expect(result.eventIds).toEqual([undefined, 'ok', 'ok', 'ok', 'ok']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([5, 2, 1]);
  });

  it('paces small chunks to the rate', async () => {
    eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const result = await publishEvents(entries.slice(0, 6), { eventBridge, ratePerSecond: 20 });
    expect(result.sent).toBe(6);
    // 20 a second: calls of 2 entries, about ten calls a second.
    expect(eventBridgeMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 2, 2]);
  });
});
