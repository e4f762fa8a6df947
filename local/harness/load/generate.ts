/**
 * Load for the pipeline: realistic Genesys Cloud conversation events as EventBridge PutEvents entries,
 * seeded so a run repeats, with the troubles Genesys really sends (duplicates, events out of order,
 * customer events without a participant) and a few malformed ones; a reader for a user's own events;
 * and the participant attributes the pipeline should leave behind, to check a run against.
 * Envelope and fields: docs/design.md ("Genesys Cloud facts the code must respect"), tests/fixtures/genesys-events.
 */
import { readFileSync } from 'node:fs';
import { ACTED_ON_KINDS, CONVERSATION_DETAIL_TYPE_PREFIX, parseConversationEvent, type ConversationEvent } from '../../../functions/shared/events.js';
import { attributesFor, isActedOn } from '../../../functions/processor/attributes.js';
import { SeededRandom } from '../../shared/random.js';

/** A PutEvents entry (assignable to `PutEventsRequestEntry` of @aws-sdk/client-eventbridge). */
export interface EventEntry {
  Source: string;
  DetailType: string;
  /** The event's `detail`, as a JSON string. */
  Detail: string;
  EventBusName?: string;
  Time?: Date;
  Resources?: string[];
}

/** A participant of a generated conversation. */
export interface LoadParticipant {
  id: string;
  purpose: string;
}

/** A generated conversation: what the Genesys simulator must know for the writes to land. */
export interface LoadConversation {
  id: string;
  participants: LoadParticipant[];
}

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

/** Attributes per conversation and participant: `{conversationId: {participantId: attributes}}`. */
export type ExpectedState = Record<string, Record<string, Record<string, string>>>;

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

const MEDIA_TYPES = ['VOICE', 'VOICE', 'VOICE', 'CHAT', 'MESSAGE', 'EMAIL', 'CALLBACK'] as const;
const MESSAGING = new Set<string>(['CHAT', 'MESSAGE']);
const BAD_CONVERSATION_IDS = ['../', '../../users/me', '%2F..%2F', 'not-a-uuid', ''];
const BAD_PARTICIPANT_IDS = ['../../users', '..%2Fusers', 'participant-1'];
const MALFORMATIONS: readonly Malformation[] = ['conversationId-not-uuid', 'participantId-not-uuid', 'no-eventBody'];
const SECOND = 1000;

interface Step {
  kind: string;
  conversation: number;
  participant: LoadParticipant;
  time: number;
  fields: Record<string, unknown>;
}

interface Script {
  conversation: LoadConversation;
  mediaType: string;
  sessions: Map<string, string>;
  steps: Step[];
  agent?: LoadParticipant;
  userId?: string;
}

/** Pools shared by the conversations of one run, as a contact centre has a few queues and agents. */
interface Pools {
  queues: string[];
  users: string[];
  wrapupCodes: string[];
}

function checkRate(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

/** One conversation's life: customer arrives, maybe an IVR, a queue, an agent (unless abandoned), wrap-up. */
function scriptConversation(random: SeededRandom, index: number, start: number, pools: Pools): Script {
  const participant = (purpose: string): LoadParticipant => ({ id: random.uuid(), purpose });
  const customer = participant('customer');
  const mediaType = random.pick(MEDIA_TYPES);
  const ivr = mediaType === 'VOICE' && random.chance(0.7) ? participant('ivr') : undefined;
  const acd = participant('acd');
  const abandoned = random.chance(0.1);
  const agent = abandoned ? undefined : participant('agent');
  const participants = [customer, ...(ivr ? [ivr] : []), acd, ...(agent ? [agent] : [])];
  const script: Script = {
    conversation: { id: random.uuid(), participants },
    mediaType,
    sessions: new Map(participants.map((p) => [p.id, random.uuid()])),
    steps: [],
    agent,
  };
  let time = start;
  const step = (kind: string, who: LoadParticipant, fields: Record<string, unknown> = {}, gapMs: [number, number] = [200, 2 * SECOND]): void => {
    time += random.integer(...gapMs);
    script.steps.push({ kind, conversation: index, participant: who, time, fields });
  };
  const queueId = random.pick(pools.queues);
  step('customer.start', customer, {}, [0, 0]);
  if (ivr) {
    step('flow.start', ivr);
    step('flow.end', ivr, { disconnectType: 'transfer' }, [20 * SECOND, 90 * SECOND]);
  }
  step('acd.start', acd, { queueId });
  if (random.chance(0.3)) step('attributes', customer, { attributes: { 'flow.language': random.pick(['en-US', 'fr-FR', 'de-DE']) } });
  if (agent === undefined) {
    step('acd.end', acd, { queueId, disconnectType: 'client' }, [5 * SECOND, 300 * SECOND]);
    step('customer.end', customer, { disconnectType: 'client' });
    return script;
  }
  script.userId = random.pick(pools.users);
  step('acd.end', acd, { queueId, disconnectType: 'transfer' }, [5 * SECOND, 300 * SECOND]);
  step('user.start', agent, { userId: script.userId });
  if (random.chance(0.5)) {
    step('customer.end', customer, { disconnectType: 'client' }, [30 * SECOND, 900 * SECOND]);
    step('user.end', agent, { userId: script.userId, disconnectType: 'peer' });
  } else {
    step('user.end', agent, { userId: script.userId, disconnectType: 'client' }, [30 * SECOND, 900 * SECOND]);
    step('customer.end', customer, { disconnectType: 'peer' });
  }
  step('acw', agent, { userId: script.userId, wrapupCode: random.pick(pools.wrapupCodes) }, [5 * SECOND, 120 * SECOND]);
  return script;
}

/** A messaging conversation reopens: the agent wraps up again, later, maybe with another code. */
function reopen(random: SeededRandom, script: Script, pools: Pools, index: number): void {
  const last = script.steps.at(-1)?.time ?? 0;
  const agent = script.agent as LoadParticipant;
  const fields = { userId: script.userId, wrapupCode: random.pick(pools.wrapupCodes) };
  script.steps.push({ kind: 'acw', conversation: index, participant: agent, time: last + random.integer(60, 3600) * SECOND, fields });
}

function detailOf(conversationId: string, kind: string, time: number, eventBody: Record<string, unknown> | undefined, random: SeededRandom): string {
  const detail: Record<string, unknown> = { topicName: `${CONVERSATION_DETAIL_TYPE_PREFIX}${conversationId}.${kind}`, version: '2' };
  if (eventBody !== undefined) detail.eventBody = eventBody;
  detail.metadata = { CorrelationId: random.uuid() };
  detail.timestamp = new Date(time + random.integer(5, 500)).toISOString();
  return JSON.stringify(detail);
}

/**
 * Generates `events` entries over `conversations` conversations, in the order they should be sent.
 * Deterministic for one set of options.
 */
export function generateConversationEvents(options: GenerateOptions = {}): GeneratedLoad {
  const seed = options.seed ?? 1;
  const duplicateRate = checkRate('duplicateRate', options.duplicateRate ?? 0);
  const malformedRate = checkRate('malformedRate', options.malformedRate ?? 0);
  const outOfOrderRate = checkRate('outOfOrderRate', options.outOfOrderRate ?? 0);
  const missingParticipantRate = checkRate('missingParticipantRate', options.missingParticipantRate ?? 0);
  if (duplicateRate + malformedRate >= 1) throw new RangeError('duplicateRate + malformedRate must be below 1');
  if (options.events !== undefined && !(Number.isInteger(options.events) && options.events >= 0)) {
    throw new RangeError(`events must be a whole number ≥ 0, got ${options.events}`);
  }
  const conversationCount = options.conversations ?? (options.events === undefined ? 10 : Math.max(1, Math.ceil(options.events / 9)));
  if (!(Number.isInteger(conversationCount) && conversationCount >= 1)) throw new RangeError(`conversations must be a whole number ≥ 1, got ${conversationCount}`);

  // Separate streams: changing one rate never reshuffles what the others produce.
  const random = SeededRandom.derive(seed, 'conversations');
  const troubles = SeededRandom.derive(seed, 'troubles');
  const ids = SeededRandom.derive(seed, 'event-ids');
  const source = options.source ?? `aws.partner/genesys.com/cloud/${SeededRandom.derive(seed, 'org').uuid()}/genesys-load`;
  const busName = options.busName ?? 'default';
  const pools: Pools = {
    queues: Array.from({ length: 5 }, () => random.uuid()),
    users: Array.from({ length: 20 }, () => random.uuid()),
    wrapupCodes: Array.from({ length: 6 }, () => random.uuid()),
  };

  let start = options.startTime ?? Date.UTC(2024, 0, 15, 9);
  const scripts: Script[] = [];
  for (let index = 0; index < conversationCount; index += 1) {
    scripts.push(scriptConversation(random, index, start, pools));
    start += random.integer(SECOND, 20 * SECOND);
  }

  const natural = scripts.reduce((sum, script) => sum + script.steps.length, 0);
  // Without `events`, every natural event is sent once and the troubles come on top, at their share of the whole.
  const total = options.events ?? natural / (1 - duplicateRate - malformedRate);
  const malformedCount = Math.round(total * malformedRate);
  const duplicateCount = Math.round(total * duplicateRate);
  const validCount = options.events === undefined ? natural : Math.max(0, options.events - malformedCount - duplicateCount);

  const reopenable = scripts.filter((script) => script.agent !== undefined);
  const messaging = reopenable.filter((script) => MESSAGING.has(script.mediaType));
  const reopening = messaging.length > 0 ? messaging : reopenable;
  for (let extra = natural, turn = 0; extra < validCount && reopening.length > 0; extra += 1, turn += 1) {
    const script = reopening[turn % reopening.length] as Script;
    reopen(random, script, pools, scripts.indexOf(script));
  }
  const steps = scripts
    .flatMap((script) => script.steps)
    .sort((a, b) => a.time - b.time)
    .slice(0, validCount);

  // Valid events in time order, keyed by position; troubles move keys, one sort gives delivery order.
  const keyed: { key: number; event: GeneratedEvent }[] = steps.map((step, position) => {
    const script = scripts[step.conversation] as Script;
    const conversationId = script.conversation.id;
    const omitParticipant = step.kind.startsWith('customer.') && troubles.chance(missingParticipantRate);
    const eventBody: Record<string, unknown> = { eventTime: step.time, conversationId };
    if (!omitParticipant) eventBody.participantId = step.participant.id;
    Object.assign(eventBody, {
      sessionId: script.sessions.get(step.participant.id),
      mediaType: script.mediaType,
      direction: 'INBOUND',
      ...step.fields,
    });
    const entry: EventEntry = {
      Source: source,
      DetailType: `${CONVERSATION_DETAIL_TYPE_PREFIX}{id}.${step.kind}`,
      Detail: detailOf(conversationId, step.kind, step.time, eventBody, ids),
      EventBusName: busName,
      Time: new Date(step.time),
    };
    return { key: position, event: { entry, expected: 'valid', kind: step.kind, conversationId, participantId: step.participant.id, duplicate: false } };
  });

  const nextInConversation = new Map<number, number>();
  const lastSeen = new Map<number, number>();
  steps.forEach((step, position) => {
    const previous = lastSeen.get(step.conversation);
    if (previous !== undefined) nextInConversation.set(previous, position);
    lastSeen.set(step.conversation, position);
  });
  const late = troubles.shuffle([...nextInConversation.keys()]).slice(0, Math.round(validCount * outOfOrderRate));
  for (const position of late) {
    (keyed[position] as { key: number }).key = (nextInConversation.get(position) as number) + 0.1 + troubles.next() * 3;
  }

  const repeats = Array.from({ length: duplicateCount }, () => {
    const original = keyed[troubles.integer(0, keyed.length - 1)];
    if (original === undefined) throw new RangeError('duplicates need at least one valid event');
    return { key: original.key + 0.01 + troubles.next() * 10, event: { ...original.event, entry: { ...original.event.entry }, duplicate: true } };
  });

  const malformed = Array.from({ length: malformedCount }, () => {
    const script = troubles.pick(scripts);
    const customer = script.conversation.participants[0] as LoadParticipant;
    const kind = troubles.pick(ACTED_ON_KINDS);
    const malformation = troubles.pick(MALFORMATIONS);
    const time = (script.steps[0]?.time ?? 0) + troubles.integer(0, 600) * SECOND;
    let conversationId = script.conversation.id;
    let eventBody: Record<string, unknown> | undefined = { eventTime: time, conversationId, participantId: customer.id, mediaType: script.mediaType };
    if (malformation === 'conversationId-not-uuid') conversationId = eventBody.conversationId = troubles.pick(BAD_CONVERSATION_IDS);
    if (malformation === 'participantId-not-uuid') eventBody.participantId = troubles.pick(BAD_PARTICIPANT_IDS);
    if (malformation === 'no-eventBody') eventBody = undefined;
    const entry: EventEntry = {
      Source: source,
      DetailType: `${CONVERSATION_DETAIL_TYPE_PREFIX}{id}.${kind}`,
      Detail: detailOf(script.conversation.id, kind, time, eventBody, ids),
      EventBusName: busName,
      Time: new Date(time),
    };
    const event: GeneratedEvent = { entry, expected: 'malformed', kind, conversationId, duplicate: false, malformation };
    return { key: troubles.next() * Math.max(1, validCount), event };
  });

  const events = [...keyed, ...repeats, ...malformed].sort((a, b) => a.key - b.key).map(({ event }) => event);
  return { events, conversations: scripts.map((script) => script.conversation) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entry as the dispatcher will see it, parsed by the dispatcher's own rules; undefined when it would be rejected. */
export function parseEntry(entry: EventEntry): ConversationEvent | undefined {
  try {
    const envelope = {
      version: '0',
      id: 'expected-state',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: entry.Time?.toISOString(),
      region: 'us-east-1',
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail) as unknown,
    };
    return parseConversationEvent(JSON.stringify(envelope));
  } catch {
    return undefined;
  }
}

/**
 * The attributes each participant should end with once the pipeline has applied `events`: the
 * valid, acted-on ones, each writing `attributesFor` its kind. An event without participantId writes
 * to the participant the generator recorded, else to the conversation's customer in `conversations`
 * (the processor looks the customer up). When `conversations` is given, writes to conversations or
 * participants it does not list are left out (Genesys would answer 404). Independent of order and repeats.
 */
export function expectedState(events: ReadonlyArray<GeneratedEvent | EventEntry>, conversations?: readonly LoadConversation[]): ExpectedState {
  const known = conversations === undefined ? undefined : new Map(conversations.map((c) => [c.id, c]));
  const state: ExpectedState = {};
  for (const item of events) {
    const entry = 'entry' in item ? item.entry : item;
    const event = parseEntry(entry);
    if (event === undefined || !isActedOn(event.kind)) continue;
    const conversationId = event.body.conversationId;
    const conversation = known?.get(conversationId);
    const participantId =
      event.body.participantId ??
      ('entry' in item ? item.participantId : undefined) ??
      conversation?.participants.find((p) => p.purpose === 'customer')?.id;
    if (participantId === undefined) continue;
    if (known !== undefined && !conversation?.participants.some((p) => p.id === participantId)) continue;
    Object.assign(((state[conversationId] ??= {})[participantId] ??= {}), attributesFor(event.kind, event.body));
  }
  return state;
}

function toEntry(item: unknown, where: string): EventEntry {
  if (!isRecord(item)) throw new TypeError(`${where} is not a JSON object`);
  const envelope = 'detail-type' in item || 'source' in item;
  const source = envelope ? item.source : item.Source;
  const detailType = envelope ? item['detail-type'] : item.DetailType;
  const detail = envelope ? item.detail : item.Detail;
  const time = envelope ? item.time : item.Time;
  if (typeof source !== 'string' || typeof detailType !== 'string') {
    throw new TypeError(`${where} is neither an EventBridge event (source, detail-type, detail) nor a PutEvents entry (Source, DetailType, Detail)`);
  }
  const entry: EventEntry = { Source: source, DetailType: detailType, Detail: typeof detail === 'string' ? detail : JSON.stringify(detail ?? {}) };
  if (!envelope && typeof item.EventBusName === 'string') entry.EventBusName = item.EventBusName;
  const resources = envelope ? item.resources : item.Resources;
  if (Array.isArray(resources) && resources.length > 0) entry.Resources = resources.map(String);
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : undefined;
  if (date !== undefined && !Number.isNaN(date.getTime())) entry.Time = date;
  return entry;
}

/**
 * Reads a user's own events: a JSON array (or a single object) of EventBridge events — the full
 * envelope, as in tests/fixtures/genesys-events — or of PutEvents entries, or the same as JSON lines.
 * @throws naming the item or line that is neither.
 */
export function loadEventsFile(path: string): EventEntry[] {
  const text = readFileSync(path, 'utf8').trim();
  if (text === '') return [];
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return text
      .split(/\r?\n/)
      .map((line, index) => ({ line: line.trim(), where: `${path}:${index + 1}` }))
      .filter(({ line }) => line !== '')
      .map(({ line, where }) => {
        let item: unknown;
        try {
          item = JSON.parse(line);
        } catch (error) {
          throw new SyntaxError(`${where} is not JSON: ${(error as Error).message}`, { cause: error });
        }
        return toEntry(item, where);
      });
  }
  return Array.isArray(whole) ? whole.map((item, index) => toEntry(item, `${path} item ${index + 1}`)) : [toEntry(whole, path)];
}
