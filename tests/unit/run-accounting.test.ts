import { attributesFor, isActedOn } from '../helpers/default-actions.js';
import { MetricName } from '../../functions/shared/metrics-sink.js';
import type { ParkedMessage } from '../../tools/dlq/peek.js';
import { parseEntry, type EventEntry } from '../../local/harness/load/entry.js';
import { resolve } from 'node:path';
import { expectedGenesys, expectedState } from '../../local/harness/load/expected-state.js';
import { defaultActions, readActions } from '../../tools/actions/index.js';
import { getProperties, loadTemplate, PROJECT_ROOT } from '../../template/index.js';
import { generateConversationEvents, type GeneratedLoad } from '../../local/harness/load/generate.js';
import { account } from '../../local/harness/run/accounting.js';
import { metricTotal } from '../../local/harness/run/emf.js';
import { eventFates } from '../../local/harness/run/fates.js';
import type { Observation, RunEvent, RunExpectations } from '../../local/harness/run/observation.js';
import { loadEventsFile } from '../../local/harness/load/events-file.js';
import { userConversations } from '../../local/harness/load/user-conversations.js';
import { parseConversationEvent } from '../../functions/shared/events.js';
import { runSeries } from '../../local/harness/run/series.js';

const START = 1_700_000_000_000;
/** The pattern template.yaml gives the rule, as the observation reads it back from EventBridge. */
const RULE_PATTERN = getProperties(loadTemplate(), 'GenesysConversationEventsRule').EventPattern as Record<string, unknown>;

/** A clean load: every conversation once, no repeats or reopened conversations, so each event's attributes stay. */
const clean = generateConversationEvents({ conversations: 3, seed: 3 });
const troubled = generateConversationEvents({ conversations: 6, seed: 4, malformedRate: 0.1, duplicateRate: 0.1 });

const idOf = (index: number): string => `event-${index}`;
const actedOn = (load: GeneratedLoad): number => load.events.filter((event) => event.expected === 'valid' && isActedOn(event.kind)).length;

/** What a run of `load` observes when the pipeline applied every valid event and parked nothing. */
function observationOf(load: Pick<RunExpectations, 'events' | 'conversations'>, overrides: Partial<Observation> = {}): Observation {
  return {
    startedAt: START,
    endedAt: START + 2_000,
    sent: load.events.length,
    publishedAt: load.events.map((_, index) => START + index),
    eventIds: load.events.map((_, index) => idOf(index)),
    drained: true,
    rulePattern: RULE_PATTERN,
    parked: [],
    genesys: { tables: {}, tags: {}, state: expectedState(load.events.filter((event) => event.expected === 'valid'), load.conversations), requests: [], writes: [] },
    samples: [],
    sampleEveryMs: 0,
    duplicatesSuppressed: 0,
    processorInvocations: 0,
    workflowRetries: 0,
    redeliveries: 0,
    peakInFlightWorkflows: 0,
    ...overrides,
  };
}

/** The DLQ copy of the event EventBridge delivered with `id`, as the DLQ tool reads it. */
function parkedCopy(entry: EventEntry, id: string, errorName: string): ParkedMessage {
  const body = JSON.stringify({ version: '0', id, 'detail-type': entry.DetailType, source: entry.Source, detail: JSON.parse(entry.Detail) });
  return { messageId: `message-${id}`, queue: 'EventsDeadLetterQueue', errorName, sentAt: START, receiveCount: 1, attributes: { errorName }, body };
}

function expectationsOf(load: GeneratedLoad, parkedByDesign?: RunExpectations['parkedByDesign']): RunExpectations {
  return { events: load.events, conversations: load.conversations, ...(parkedByDesign ? { parkedByDesign } : {}) };
}

describe('account', () => {
  it('accounts for every event of a clean run as applied or not acted on, the state matching', () => {
    const summary = account(observationOf(clean), expectationsOf(clean));
    expect(summary).toMatchObject({ in: clean.events.length, applied: actedOn(clean), parked: 0, lost: 0, validParked: 0, malformedNotParked: 0, drained: true });
    expect(summary.applied + summary.notActedOn).toBe(clean.events.length);
    expect(summary.state).toEqual({ participants: expect.any(Number), matches: true, mismatches: [] });
  });

  it('traces a parked copy to its event by the EventBridge id, even when a repeat has the same body', () => {
    const index = clean.events.findIndex((event) => isActedOn(event.kind));
    const original = clean.events[index]!;
    const load: GeneratedLoad = { ...clean, events: [...clean.events, { ...original, entry: { ...original.entry }, duplicate: true }] };
    const repeat = load.events.length - 1;
    const observation = observationOf(load, { parked: [parkedCopy(original.entry, idOf(repeat), 'Genesys.Unavailable')] });

    const fates = eventFates(observation, expectationsOf(load));
    expect(fates[index]?.fate).toBe('applied');
    expect(fates[repeat]).toEqual({ fate: 'parked', parked: { errorName: 'Genesys.Unavailable' }, validParked: true });
    expect(account(observation, expectationsOf(load))).toMatchObject({ parked: 1, parkedByReason: { 'Genesys.Unavailable': 1 }, validParked: 1, repeatedEvents: 1, lost: 0 });
  });

  it('counts a valid event parked by design apart from one the faults parked', () => {
    const [first, second] = clean.events.flatMap((event, index) => (isActedOn(event.kind) ? [index] : []));
    const parked = [parkedCopy(clean.events[first!]!.entry, idOf(first!), 'Genesys.Forbidden'), parkedCopy(clean.events[second!]!.entry, idOf(second!), 'Genesys.Unavailable')];
    const byDesign = (message: ParkedMessage): boolean => message.errorName === 'Genesys.Forbidden';

    const summary = account(observationOf(clean, { parked }), expectationsOf(clean, byDesign));
    expect(summary).toMatchObject({ parked: 2, validParked: 1, applied: actedOn(clean) - 2, lost: 0 });
    expect(summary.state.matches).toBe(true);
  });

  it('counts a message parked outside the load in the DLQ figures only', () => {
    const direct = parkedCopy(clean.events[0]!.entry, 'sent-straight-to-sqs', 'InvalidEvent');
    const summary = account(observationOf(clean, { parked: [direct] }), expectationsOf(clean));
    expect(summary).toMatchObject({ parked: 1, parkedByReason: { InvalidEvent: 1 }, applied: actedOn(clean), lost: 0 });
  });

  it('flags a malformed event that was not parked as InvalidEvent', () => {
    const malformed = troubled.events.flatMap((event, index) => (event.expected === 'malformed' ? [index] : []));
    expect(malformed.length).toBeGreaterThanOrEqual(3);
    const [asInvalid, asOther] = malformed;
    const parked = [parkedCopy(troubled.events[asInvalid!]!.entry, idOf(asInvalid!), 'InvalidEvent'), parkedCopy(troubled.events[asOther!]!.entry, idOf(asOther!), 'Genesys.BadRequest')];

    const summary = account(observationOf(troubled, { parked }), expectationsOf(troubled));
    // Every malformed event but the one parked as InvalidEvent is a validation hole; those not parked at all are lost too.
    expect(summary.malformedNotParked).toBe(malformed.length - 1);
    expect(summary.lost).toBe(malformed.length - 2);
  });

  it('counts an acted-on event whose attributes Genesys lacks as lost, and names the difference', () => {
    const observation = observationOf(clean);
    const state = structuredClone(observation.genesys.state);
    const [conversationId, participants] = Object.entries(state)[0]!;
    const [participantId] = Object.keys(participants);
    delete participants[participantId!];

    const summary = account({ ...observation, genesys: { ...observation.genesys, state } }, expectationsOf(clean));
    expect(summary.lost).toBeGreaterThan(0);
    expect(summary.state.matches).toBe(false);
    expect(summary.state.mismatches[0]).toContain(`${conversationId}/${participantId}`);
  });

  it('counts events the rule filters as done whether or not the queue drained: they never reached it', () => {
    const notActedOn = clean.events.filter((event) => !isActedOn(event.kind)).length;
    expect(notActedOn).toBeGreaterThan(0);
    expect(account(observationOf(clean, { drained: false }), expectationsOf(clean))).toMatchObject({ notActedOn, filteredByRule: notActedOn, lost: 0, drained: false });
  });

  it('counts events a rule forwards and the workflow routes past Genesys as done only once the queue drained', () => {
    // A rule of the source alone forwards every kind: those no action uses reach the workflow, which routes them past.
    const everyKind = { source: [{ prefix: 'aws.partner/genesys.com' }] };
    const notActedOn = clean.events.filter((event) => !isActedOn(event.kind)).length;
    expect(account(observationOf(clean, { rulePattern: everyKind, drained: false }), expectationsOf(clean))).toMatchObject({ notActedOn: 0, lost: notActedOn });
    expect(account(observationOf(clean, { rulePattern: everyKind }), expectationsOf(clean))).toMatchObject({ notActedOn, filteredByRule: 0, lost: 0 });
  });

  it("counts Genesys requests by status, token requests apart, and reports the workflow's retries as the endpoint counted them", () => {
    const parked = [parkedCopy(clean.events[0]!.entry, 'other', 'Genesys.Unavailable')];
    const requests = [
      { time: START + 1, path: '/oauth/token', status: 200 },
      ...[202, 202, 429, 503, 0].map((status, index) => ({ time: START + 10 + index, path: '/api/v2/conversations/c/participants/p/attributes', status })),
    ];
    const observation = observationOf(clean, { parked, genesys: { ...observationOf(clean).genesys, requests }, processorInvocations: actedOn(clean) + 1 + 2, workflowRetries: 2, duplicatesSuppressed: 3, redeliveries: 4 });

    expect(account(observation, expectationsOf(clean))).toMatchObject({
      genesysRequests: 5,
      genesysRequestsByStatus: { '202': 2, '429': 1, '503': 1, '0': 1 },
      tokenRequests: 1,
      throttled: 1,
      workflowRetries: 2,
      duplicates: 3,
      redeliveries: 4,
      durationMs: 2_000,
      throughputPerSecond: (clean.events.length * 1000) / 2_000,
    });
  });

  it('measures latency from PutEvents accepting an event to the first write of its attributes', () => {
    const observation = observationOf(clean);
    const applied = clean.events.flatMap((event, index) => (isActedOn(event.kind) ? [index] : []));
    // Each write carries one event's attributes, 100 ms plus its index after the event was sent.
    const writes = applied.map((index) => {
      const parsed = parseEntry(clean.events[index]!.entry)!;
      const attributes = attributesFor(parsed.kind, parsed.body);
      return { time: observation.publishedAt[index]! + 100 + index, conversationId: parsed.body.conversationId, participantId: parsed.body.participantId!, attributes };
    });
    const timed = { ...observation, genesys: { ...observation.genesys, writes } };

    expect(account(timed, expectationsOf(clean)).latencyMs).toMatchObject({ samples: applied.length, max: 100 + applied.at(-1)! });
    expect(runSeries(timed, expectationsOf(clean)).latenciesMs).toEqual(applied.map((index) => 100 + index));
  });
});

describe('runSeries', () => {
  it('gives the report its series from the observation, leaving the observation as it was', () => {
    const requests = [
      { time: START + 5, path: '/oauth/token', status: 200 },
      { time: START + 9, path: '/api/v2/conversations/c/participants/p/attributes', status: 202 },
    ];
    const samples = [{ time: START + 500, visible: 3, inFlight: 1, delayed: 0, parked: 0, workflows: 1 }];
    const observation = observationOf(clean, { samples, sampleEveryMs: 500, genesys: { tables: {}, tags: {}, state: {}, requests, writes: [] } });
    const before = structuredClone(observation);

    const series = runSeries(observation, expectationsOf(clean));
    expect(series).toMatchObject({ startedAt: START, endedAt: START + 2_000, samples, sampleEveryMs: 500, writes: [] });
    expect(series.genesysRequests).toEqual([
      { time: START + 5, status: 200, token: true },
      { time: START + 9, status: 202, token: false },
    ]);
    expect(observation).toEqual(before);
  });
});

describe('metricTotal', () => {
  const emf = (timestamp: number, values: Record<string, number | number[]>): string =>
    JSON.stringify({
      _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: 'GenesysEventsPipeline/local', Dimensions: [['service']], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) }] },
      service: 'genesys-dispatcher',
      ...values,
    });

  it('sums a metric over the EMF lines of a log, single values and arrays, published since the run started', () => {
    const log = [
      '{"level":"INFO","message":"duplicate delivery suppressed","service":"genesys-dispatcher"}',
      emf(START - 1, { [MetricName.DuplicatesSuppressed]: [1, 1] }),
      emf(START, { [MetricName.DuplicatesSuppressed]: [1, 1, 1], [MetricName.EventsApplied]: 4 }),
      emf(START + 10, { [MetricName.DuplicatesSuppressed]: 1 }),
      emf(START + 20, { [MetricName.EventsApplied]: 2 }),
      'not json {"_aws"',
      '',
    ].join('\n');
    expect(metricTotal(log, MetricName.DuplicatesSuppressed, START)).toBe(4);
    expect(metricTotal(log, MetricName.DuplicatesSuppressed)).toBe(6);
    expect(metricTotal(log, MetricName.EventsApplied, START)).toBe(6);
    expect(metricTotal('', MetricName.DuplicatesSuppressed)).toBe(0);
  });
});

describe('account, under another actions file', () => {
  const example = readActions(resolve(PROJECT_ROOT, 'docs/examples/actions.example.yaml'));
  const load = generateConversationEvents({ conversations: 4, seed: 5, actions: example });
  const valid = load.events.filter((event) => event.expected === 'valid');
  const expected = expectedGenesys(valid, load.conversations, example);
  const rowsOf = (rows: typeof expected.rows): Observation['genesys']['tables'] =>
    Object.fromEntries(Object.entries(rows).map(([table, byKey]) => [table, Object.fromEntries(Object.entries(byKey).map(([key, row]) => [key, { ...row, key }]))]));
  const tags = Object.fromEntries(Object.entries(expected.tags).map(([conversationId, { conversation }]) => [conversationId, conversation!.externalTag!]));
  const observed = (tables: Observation['genesys']['tables'], tagsHeld: Record<string, string> = tags): Observation =>
    observationOf(load, { genesys: { state: expected.attributes, tables, tags: tagsHeld, requests: [], writes: [] } });
  const expectations: RunExpectations = { events: load.events, conversations: load.conversations, actions: example };

  it('expects the rows, the tags, the customer and agent attributes the file writes, and none of the default file', () => {
    expect(Object.values(expected.rows).flatMap((byKey) => Object.keys(byKey)).length).toBeGreaterThan(0);
    expect(Object.values(tags).every((tag) => /^ended-/.test(tag)) && Object.keys(tags).length > 0).toBe(true);
    const keys = Object.values(expected.attributes).flatMap((participants) => Object.values(participants).flatMap((attributes) => Object.keys(attributes)));
    expect(keys.some((key) => key.startsWith('crm.wrapup.'))).toBe(true);
    expect(keys.some((key) => key === 'crm.agentEnded')).toBe(true);
    expect(keys.some((key) => key.startsWith('aws.'))).toBe(false);
  });

  it('accounts an event applied only when its data table row is there, and says which row is missing', () => {
    const complete = account(observed(rowsOf(expected.rows)), expectations);
    expect(complete).toMatchObject({ lost: 0, state: { matches: true } });
    const [table, byKey] = Object.entries(expected.rows)[0]!;
    const [missingKey] = Object.keys(byKey);
    const { [missingKey!]: _missing, ...rest } = byKey;
    const incomplete = account(observed(rowsOf({ ...expected.rows, [table]: rest })), expectations);
    expect(incomplete.lost).toBe(1);
    expect(incomplete.state.matches).toBe(false);
    expect(incomplete.state.mismatches.length).toBeGreaterThan(0);
    const [tagged] = Object.keys(tags);
    const untagged = account(observed(rowsOf(expected.rows), { ...tags, [tagged!]: 'something else' }), expectations);
    expect(untagged.state.mismatches).toEqual([`tag of ${tagged}/conversation externalTag: expected ${JSON.stringify(tags[tagged!])}, found "something else"`]);
    for (const mismatch of incomplete.state.mismatches) expect(mismatch).toMatch(new RegExp(`^data table row ${table}/${missingKey} \\w+: expected "[^"]+", found undefined$`));
  });
});

describe('eventFates', () => {
  it('counts a valid event the dispatcher would refuse, and that was not parked, as lost, not as not acted on', () => {
    const index = clean.events.findIndex((event) => isActedOn(event.kind));
    const broken = { ...clean, events: clean.events.map((event, at) => (at === index ? { ...event, entry: { ...event.entry, Detail: '{}' } } : event)) };
    const fates = eventFates(observationOf(broken), expectationsOf(broken));
    expect(fates[index]).toEqual({ fate: 'lost' });
  });
});

describe("account of a user's own events file", () => {
  const path = resolve(PROJECT_ROOT, 'tests/fixtures/events-files/mixed-user-events.jsonl');
  const entries = loadEventsFile(path);
  // As npm start reads the file: what the dispatcher's validation refuses is expected malformed.
  const events: RunEvent[] = entries.map((entry) => ({ entry, expected: parseEntry(entry) === undefined ? 'malformed' : 'valid' }));
  const conversations = userConversations(entries, defaultActions());
  const expectations: RunExpectations = { events, conversations };
  const at = (test: (entry: EventEntry) => boolean): number => entries.findIndex(test);
  const presence = at((entry) => entry.DetailType === 'v2.users.{id}.presence');
  const otherSource = at((entry) => entry.Source === 'com.example.crm');
  const noParticipant = at((entry) => entry.DetailType.endsWith('.customer.start') && parseEntry(entry)?.body.participantId === undefined);
  const hostile = events.flatMap((event, index) => (event.expected === 'malformed' && index !== presence && index !== otherSource ? [index] : []));
  /** The DLQ copy as the dispatcher parks it: the errorName and the message of the validation's own InvalidEvent. */
  const parkedAsInvalid = (index: number): ParkedMessage => {
    const copy = parkedCopy(entries[index]!, idOf(index), 'InvalidEvent');
    let errorMessage = '';
    try {
      parseConversationEvent(copy.body);
    } catch (error) {
      errorMessage = (error as Error).message;
    }
    return { ...copy, errorMessage, attributes: { ...copy.attributes, errorMessage } };
  };
  /** What a run observes when the pipeline did what it should: the hostile events parked, the rest written. */
  const observed = (overrides: Partial<Observation> = {}): Observation => {
    const reached = events.filter((event, index) => event.expected === 'valid' && index !== otherSource && index !== presence);
    return observationOf(
      { events, conversations },
      { parked: hostile.map(parkedAsInvalid), genesys: { tables: {}, tags: {}, state: expectedState(reached, conversations), requests: [], writes: [] }, ...overrides },
    );
  };

  it('holds the kinds a new user tries: acw, user.start, a customer.start without participantId, two hostile ids, a presence event, another source', () => {
    const kinds = entries.map((entry) => parseEntry(entry)?.kind);
    expect(kinds).toEqual(expect.arrayContaining(['acw', 'user.start', 'customer.start', 'customer.end', 'acd.start']));
    expect([presence, otherSource, noParticipant].every((index) => index >= 0)).toBe(true);
    expect(hostile).toHaveLength(2);
  });

  it('reports the events the rule does not match as filtered, by detail-type and source, neither lost nor malformed', () => {
    const summary = account(observed(), expectations);
    expect(summary).toMatchObject({ in: entries.length, lost: 0, malformedNotParked: 0, validParked: 0, filteredByRule: 2, state: { matches: true } });
    expect(summary.filteredByDetailType).toEqual({ 'v2.users.{id}.presence': 1, 'v2.detail.events.conversation.{id}.customer.end from com.example.crm': 1 });
    const fates = eventFates(observed(), expectations);
    expect(fates[presence]).toEqual({ fate: 'notActedOn', filteredByRule: { detailType: 'v2.users.{id}.presence', source: entries[presence]!.Source, fields: ['detail-type'] } });
    expect(fates[otherSource]?.filteredByRule?.fields).toEqual(['source']);
  });

  it('names each parked event with the errorName and message its DLQ copy carries', () => {
    const summary = account(observed(), expectations);
    expect(summary.parkedEvents).toEqual(
      hostile.map((index) => ({ index, detailType: entries[index]!.DetailType, errorName: 'InvalidEvent', errorMessage: expect.stringMatching(/must be a UUID, got "/), expected: true })),
    );
    expect(summary.parkedEvents.map(({ errorMessage }) => errorMessage)).toEqual([
      'detail.eventBody.conversationId must be a UUID, got "../../x"',
      'detail.eventBody.participantId must be a UUID, got "..%2F..%2Fadmin participants"',
    ]);
  });

  it('expects the customer.start without participantId on the customer the simulator is told of', () => {
    const { conversationId } = parseEntry(entries[noParticipant]!)!.body;
    const customer = conversations.find((conversation) => conversation.id === conversationId)?.participants.find((participant) => participant.purpose === 'customer');
    expect(customer).toBeDefined();
    expect(expectedState([entries[noParticipant]!], conversations)[conversationId]?.[customer!.id]).toHaveProperty(['aws.customer.start'], '2025-12-02T09:06:40.000Z');
    // Genesys without those attributes: the event is lost, and the difference names the customer.
    const state = structuredClone(observed().genesys.state);
    delete state[conversationId];
    const summary = account(observed({ genesys: { ...observed().genesys, state } }), expectations);
    expect(summary.lost).toBe(1);
    expect(summary.state.mismatches.join('\n')).toContain(`${conversationId}/${customer!.id} aws.customer.start`);
  });

  it('lists a valid event parked for a reason the run did not mean first, with that reason, and not as lost', () => {
    const message = 'conversation a41e6b0d-2c93-4f7a-8e15-9b6d3c2f1e08 has no participant with purpose "customer" (found: no participants) and the event names none';
    const notFound = { ...parkedCopy(entries[noParticipant]!, idOf(noParticipant), 'Genesys.NotFound'), errorMessage: message };
    const summary = account(observed({ parked: [...observed().parked, notFound] }), expectations);
    expect(summary).toMatchObject({ lost: 0, validParked: 1, parked: 3 });
    expect(summary.parkedEvents[0]).toEqual({ index: noParticipant, detailType: entries[noParticipant]!.DetailType, errorName: 'Genesys.NotFound', errorMessage: message, expected: false });
  });
});
