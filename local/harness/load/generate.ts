/**
 * Load for the pipeline: realistic Genesys Cloud conversation events as EventBridge PutEvents entries,
 * seeded so a run repeats, with the troubles Genesys really sends (duplicates, events out of order,
 * customer events without a participant) and a few malformed ones.
 * Envelope and fields: docs/design.md ("Genesys Cloud facts the code must respect"), tests/fixtures/genesys-events.
 */
import { CONVERSATION_DETAIL_TYPE_PREFIX } from '../../../functions/shared/events.js';
import { defaultActions, type ActionsConfig } from '../../../tools/actions/index.js';
import { SeededRandom } from '../../shared/random.js';
import { reopen, scriptConversation, SECOND, type Pools, type Script, type Step } from './conversation-script.js';
import type { EventEntry, LoadConversation, LoadParticipant } from './entry.js';

// Where the load's callers found these before the entry and its expected state had modules of their own.

/** How a malformed event is broken. Each still reaches the queue: Genesys source, conversation detail-type. */
export type Malformation = 'conversationId-not-uuid' | 'participantId-not-uuid' | 'no-eventBody';

/** One generated entry and what the pipeline should make of it. */
export interface GeneratedEvent {
  entry: EventEntry;
  /** 'valid' events pass the dispatcher's validation; 'malformed' ones are parked as InvalidEvent. */
  expected: 'valid' | 'malformed';
  kind: string;
  /** The conversation id the body carries (for a malformed one, possibly the bad value). */
  conversationId: string;
  /** The participant the event is about, also where the body leaves it out (then the customer). */
  participantId?: string;
  /** An exact repeat of an entry earlier in the list. */
  duplicate: boolean;
  malformation?: Malformation;
}

/** What to generate. Rates are shares of the entries returned. */
export interface GenerateOptions {
  /** Conversations (default: one per 9 events when `events` is set, else 10). */
  conversations?: number;
  /**
   * Exact number of entries returned, duplicates and malformed included (default: what the conversations
   * make). Fewer than the conversations make: the latest events are left out (conversations in progress).
   * More: messaging conversations reopen and fire `acw` again.
   */
  events?: number;
  /** Default 1. */
  seed?: number;
  /** The actions the stack runs (default actions.yaml): malformed events are of kinds they act on, so the rule forwards them. */
  actions?: ActionsConfig;
  /** Share of entries that repeat an earlier entry exactly (default 0). */
  duplicateRate?: number;
  /** Share of valid events delivered after the next event of their conversation (default 0). */
  outOfOrderRate?: number;
  /** Share of entries that are malformed (default 0). */
  malformedRate?: number;
  /** Share of customer.* events whose body has no participantId (default 0). */
  missingParticipantRate?: number;
  /** EventBridge source (default `aws.partner/genesys.com/cloud/<seeded org id>/genesys-load`). */
  source?: string;
  /** EventBusName of every entry (default 'default'). */
  busName?: string;
  /** Epoch ms of the first conversation's start (default 2024-01-15T09:00:00Z, fixed so runs repeat). */
  startTime?: number;
}

/** Generated events in delivery order, and the conversations they belong to. */
export interface GeneratedLoad {
  events: GeneratedEvent[];
  conversations: LoadConversation[];
}

const MESSAGING = new Set<string>(['CHAT', 'MESSAGE']);
const BAD_CONVERSATION_IDS = ['../', '../../users/me', '%2F..%2F', 'not-a-uuid', ''];
const BAD_PARTICIPANT_IDS = ['../../users', '..%2Fusers', 'participant-1'];
const MALFORMATIONS: readonly Malformation[] = ['conversationId-not-uuid', 'participantId-not-uuid', 'no-eventBody'];

function checkRate(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

/** What every entry of one load shares: its source and bus, the run's pools, and the seeded streams. */
interface Generation {
  source: string;
  /** The kinds the actions act on, in the file's order. */
  actedOnKinds: readonly string[];
  busName: string;
  pools: Pools;
  /** The conversations' lives. Separate streams: changing one rate never reshuffles what the others produce. */
  random: SeededRandom;
  /** Which events repeat, arrive late, lose their participant or are malformed. */
  troubles: SeededRandom;
  /** Correlation ids and timestamps of the details. */
  ids: SeededRandom;
}

/** The rates, checked. */
type Rates = Required<Pick<GenerateOptions, 'duplicateRate' | 'outOfOrderRate' | 'malformedRate' | 'missingParticipantRate'>>;

/** How many entries of each sort one load has. */
interface Counts {
  valid: number;
  duplicates: number;
  malformed: number;
}

/** An event with the key that sorts it into delivery order. */
interface Keyed {
  key: number;
  event: GeneratedEvent;
}

function detailOf(conversationId: string, kind: string, time: number, eventBody: Record<string, unknown> | undefined, random: SeededRandom): string {
  const detail: Record<string, unknown> = { topicName: `${CONVERSATION_DETAIL_TYPE_PREFIX}${conversationId}.${kind}`, version: '2' };
  if (eventBody !== undefined) detail.eventBody = eventBody;
  detail.metadata = { CorrelationId: random.uuid() };
  detail.timestamp = new Date(time + random.integer(5, 500)).toISOString();
  return JSON.stringify(detail);
}

/** The PutEvents entry of one event; `topicConversationId` is the conversation its topic names. */
function entryOf(generation: Generation, topicConversationId: string, kind: string, time: number, eventBody: Record<string, unknown> | undefined): EventEntry {
  return {
    Source: generation.source,
    DetailType: `${CONVERSATION_DETAIL_TYPE_PREFIX}{id}.${kind}`,
    Detail: detailOf(topicConversationId, kind, time, eventBody, generation.ids),
    EventBusName: generation.busName,
    Time: new Date(time),
  };
}

function checkedRates(options: GenerateOptions): Rates {
  const rates: Rates = {
    duplicateRate: checkRate('duplicateRate', options.duplicateRate ?? 0),
    malformedRate: checkRate('malformedRate', options.malformedRate ?? 0),
    outOfOrderRate: checkRate('outOfOrderRate', options.outOfOrderRate ?? 0),
    missingParticipantRate: checkRate('missingParticipantRate', options.missingParticipantRate ?? 0),
  };
  if (rates.duplicateRate + rates.malformedRate >= 1) throw new RangeError('duplicateRate + malformedRate must be below 1');
  return rates;
}

function checkedConversationCount(options: GenerateOptions): number {
  if (options.events !== undefined && !(Number.isInteger(options.events) && options.events >= 0)) {
    throw new RangeError(`events must be a whole number ≥ 0, got ${options.events}`);
  }
  const count = options.conversations ?? (options.events === undefined ? 10 : Math.max(1, Math.ceil(options.events / 9)));
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`conversations must be a whole number ≥ 1, got ${count}`);
  return count;
}

function startGeneration(seed: number, options: GenerateOptions): Generation {
  const random = SeededRandom.derive(seed, 'conversations');
  const pools: Pools = {
    queues: Array.from({ length: 5 }, () => random.uuid()),
    users: Array.from({ length: 20 }, () => random.uuid()),
    wrapupCodes: Array.from({ length: 6 }, () => random.uuid()),
  };
  return {
    source: options.source ?? `aws.partner/genesys.com/cloud/${SeededRandom.derive(seed, 'org').uuid()}/genesys-load`,
    busName: options.busName ?? 'default',
    actedOnKinds: [...new Set((options.actions ?? defaultActions()).actions.flatMap((action) => action.on))],
    pools,
    random,
    troubles: SeededRandom.derive(seed, 'troubles'),
    ids: SeededRandom.derive(seed, 'event-ids'),
  };
}

function scriptConversations(generation: Generation, count: number, firstStart: number): Script[] {
  let start = firstStart;
  const scripts: Script[] = [];
  for (let index = 0; index < count; index += 1) {
    scripts.push(scriptConversation(generation.random, index, start, generation.pools));
    start += generation.random.integer(SECOND, 20 * SECOND);
  }
  return scripts;
}

function countsOf(scripts: readonly Script[], events: number | undefined, rates: Rates): Counts {
  const natural = scripts.reduce((sum, script) => sum + script.steps.length, 0);
  // Without `events`, every natural event is sent once and the troubles come on top, at their share of the whole.
  const total = events ?? natural / (1 - rates.duplicateRate - rates.malformedRate);
  const malformed = Math.round(total * rates.malformedRate);
  const duplicates = Math.round(total * rates.duplicateRate);
  return { valid: events === undefined ? natural : Math.max(0, events - malformed - duplicates), duplicates, malformed };
}

/** The first `validCount` steps of all conversations in time order, reopening messaging conversations to have that many. */
function validSteps(generation: Generation, scripts: readonly Script[], validCount: number): Step[] {
  const natural = scripts.reduce((sum, script) => sum + script.steps.length, 0);
  const reopenable = scripts.filter((script) => script.agent !== undefined);
  const messaging = reopenable.filter((script) => MESSAGING.has(script.mediaType));
  const reopening = messaging.length > 0 ? messaging : reopenable;
  for (let extra = natural, turn = 0; extra < validCount && reopening.length > 0; extra += 1, turn += 1) {
    const script = reopening[turn % reopening.length] as Script;
    reopen(generation.random, script, generation.pools, scripts.indexOf(script));
  }
  return scripts
    .flatMap((script) => script.steps)
    .sort((a, b) => a.time - b.time)
    .slice(0, validCount);
}

/** A valid event at its place in time order; a customer event may leave its participant out, as Genesys' do. */
function validEvent(generation: Generation, script: Script, step: Step, position: number, missingParticipantRate: number): Keyed {
  const conversationId = script.conversation.id;
  const omitParticipant = step.kind.startsWith('customer.') && generation.troubles.chance(missingParticipantRate);
  const eventBody: Record<string, unknown> = { eventTime: step.time, conversationId };
  if (!omitParticipant) eventBody.participantId = step.participant.id;
  Object.assign(eventBody, {
    sessionId: script.sessions.get(step.participant.id),
    mediaType: script.mediaType,
    direction: 'INBOUND',
    ...step.fields,
  });
  const entry = entryOf(generation, conversationId, step.kind, step.time, eventBody);
  return { key: position, event: { entry, expected: 'valid', kind: step.kind, conversationId, participantId: step.participant.id, duplicate: false } };
}

/** Moves `count` valid events after the next event of their conversation. */
function deliverLate(troubles: SeededRandom, steps: readonly Step[], keyed: Keyed[], count: number): void {
  const nextInConversation = new Map<number, number>();
  const lastSeen = new Map<number, number>();
  steps.forEach((step, position) => {
    const previous = lastSeen.get(step.conversation);
    if (previous !== undefined) nextInConversation.set(previous, position);
    lastSeen.set(step.conversation, position);
  });
  for (const position of troubles.shuffle([...nextInConversation.keys()]).slice(0, count)) {
    (keyed[position] as Keyed).key = (nextInConversation.get(position) as number) + 0.1 + troubles.next() * 3;
  }
}

/** `count` exact repeats of valid events, each a little after its original. */
function repeatsOf(troubles: SeededRandom, keyed: readonly Keyed[], count: number): Keyed[] {
  return Array.from({ length: count }, () => {
    const original = keyed[troubles.integer(0, keyed.length - 1)];
    if (original === undefined) throw new RangeError('duplicates need at least one valid event');
    return { key: original.key + 0.01 + troubles.next() * 10, event: { ...original.event, entry: { ...original.event.entry }, duplicate: true } };
  });
}

/** A malformed event about a known conversation, anywhere among the `validCount` valid ones. */
function malformedEvent(generation: Generation, scripts: readonly Script[], validCount: number): Keyed {
  const { troubles } = generation;
  const script = troubles.pick(scripts);
  const customer = script.conversation.participants[0] as LoadParticipant;
  const kind = troubles.pick(generation.actedOnKinds);
  const malformation = troubles.pick(MALFORMATIONS);
  const time = (script.steps[0]?.time ?? 0) + troubles.integer(0, 600) * SECOND;
  let conversationId = script.conversation.id;
  let eventBody: Record<string, unknown> | undefined = { eventTime: time, conversationId, participantId: customer.id, mediaType: script.mediaType };
  if (malformation === 'conversationId-not-uuid') conversationId = eventBody.conversationId = troubles.pick(BAD_CONVERSATION_IDS);
  if (malformation === 'participantId-not-uuid') eventBody.participantId = troubles.pick(BAD_PARTICIPANT_IDS);
  if (malformation === 'no-eventBody') eventBody = undefined;
  const entry = entryOf(generation, script.conversation.id, kind, time, eventBody);
  const event: GeneratedEvent = { entry, expected: 'malformed', kind, conversationId, duplicate: false, malformation };
  return { key: troubles.next() * Math.max(1, validCount), event };
}

/**
 * Generates `events` entries over `conversations` conversations, in the order they should be sent.
 * Deterministic for one set of options.
 */
export function generateConversationEvents(options: GenerateOptions = {}): GeneratedLoad {
  const rates = checkedRates(options);
  const conversationCount = checkedConversationCount(options);
  const generation = startGeneration(options.seed ?? 1, options);
  const scripts = scriptConversations(generation, conversationCount, options.startTime ?? Date.UTC(2024, 0, 15, 9));
  const counts = countsOf(scripts, options.events, rates);
  const steps = validSteps(generation, scripts, counts.valid);
  // Valid events in time order, keyed by position; troubles move keys, one sort gives delivery order.
  const keyed = steps.map((step, position) => validEvent(generation, scripts[step.conversation] as Script, step, position, rates.missingParticipantRate));
  deliverLate(generation.troubles, steps, keyed, Math.round(counts.valid * rates.outOfOrderRate));
  const repeats = repeatsOf(generation.troubles, keyed, counts.duplicates);
  const malformed = Array.from({ length: counts.malformed }, () => malformedEvent(generation, scripts, counts.valid));
  const events = [...keyed, ...repeats, ...malformed].sort((a, b) => a.key - b.key).map(({ event }) => event);
  return { events, conversations: scripts.map((script) => script.conversation) };
}
