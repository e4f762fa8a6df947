/**
 * The order rule of actions.yaml: no two event kinds may write the same place (an attribute key, a data table
 * row, the conversation's tag), because Genesys does not guarantee the order of events and repeats some, so
 * which of two kinds wrote last would decide the outcome. A key that carries something of its own kind
 * (`aws.{{kind}}.queueId`, or a literal kind name) keeps them apart; one that could render the same for two
 * kinds is refused.
 */
import type { ParsedWrite } from '../../functions/shared/actions/plan.js';
import type { TemplatePart } from '../../functions/shared/actions/template.js';

/** A pattern a key may render to: literal characters, and `null` for a placeholder (any text). */
type Glob = (string | null)[];

/** A key template as a glob, `{{kind}}` fixed to `kind` (it renders to nothing else). */
export function globOf(parts: readonly TemplatePart[], kind: string): Glob {
  return parts.flatMap((part): Glob => {
    if (typeof part === 'string') return [...part];
    return part.path === 'kind' && part.filters.length === 0 ? [...kind] : [null];
  });
}

/** Whether some text matches both globs: a walk of the two patterns side by side, `null` taking any run of characters. */
export function globsMeet(a: Glob, b: Glob): boolean {
  const seen = new Set<string>();
  const pending: [number, number][] = [[0, 0]];
  while (pending.length > 0) {
    const [i, j] = pending.pop()!;
    const id = `${i},${j}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    // A wildcard may match nothing (step past it), or one character of the other side.
    if (x === null) pending.push([i + 1, j]);
    if (y === null) pending.push([i, j + 1]);
    if (i < a.length && j < b.length) {
      if (x === null && y !== null) pending.push([i, j + 1]);
      else if (y === null && x !== null) pending.push([i + 1, j]);
      else if (x !== null && x === y) pending.push([i + 1, j + 1]);
    }
  }
  return false;
}

/** One place a write of one kind writes to. */
export interface WritePlace {
  action: string;
  kind: string;
  /** `attribute`, `row <datatableId>` or `tag`: places of different spaces never meet. */
  space: string;
  key: Glob;
  /** How the file names it, for the error. */
  label: string;
}

/** The places `write` (of `action`, for events of `kind`) writes to. */
export function placesOf(write: ParsedWrite, action: string, kind: string, where: string): WritePlace[] {
  if (write.type === 'conversationTag') return [{ action, kind, space: 'tag', key: [], label: `${where}.conversationTag` }];
  if (write.type === 'dataTableRow') {
    // Genesys' ids are UUIDs, the same table in either case.
    return [{ action, kind, space: `row ${write.datatableId.toLowerCase()}`, key: globOf(write.key, kind), label: `${where}.dataTableRow.key` }];
  }
  return write.values.map(([key]) => ({
    action,
    kind,
    space: 'attribute',
    key: globOf(key, kind),
    label: `${where}.participantAttributes.values key "${key.map((part) => (typeof part === 'string' ? part : `{{${part.path}}}`)).join('')}"`,
  }));
}

/** Pairs of places of different kinds that could be the same place: each one an order-dependent outcome. */
export function clashes(places: readonly WritePlace[]): [WritePlace, WritePlace][] {
  const found: [WritePlace, WritePlace][] = [];
  for (const [index, first] of places.entries()) {
    for (const second of places.slice(index + 1)) {
      if (first.kind !== second.kind && first.space === second.space && globsMeet(first.key, second.key)) found.push([first, second]);
    }
  }
  return found;
}

/**
 * Kinds Genesys raises once per conversation (its customer); every other kind once per participant, `acw` again on a
 * reopen, and `attributes` on every change of a participant's data (the pipeline's own PATCHes included).
 */
const ONCE_PER_CONVERSATION = new Set(['customer.start', 'customer.end']);
const AGAIN_PER_PARTICIPANT = new Set(['acw', 'attributes']);

/** Fields that differ between two events of one kind about one place: a key carrying one is that event's own. */
const EVENT_OWN_FIELDS = new Set(['eventBody.eventTime']);

function carries(parts: readonly TemplatePart[], fields: ReadonlySet<string>): boolean {
  return parts.some((part) => typeof part !== 'string' && fields.has(part.path));
}

/**
 * What one place is per: a participant, a conversation, a Genesys user (an agent can be on a conversation more than
 * once, as two participants with one userId), or nothing narrower than the whole table.
 */
type Scope = 'participant' | 'conversation' | 'user' | 'table';

/** How often events of `kind` can reach one place of `scope`: once, or several times in an order nobody guarantees. */
function repeatsAt(kind: string, scope: Scope): boolean {
  if (scope === 'user' || scope === 'table' || AGAIN_PER_PARTICIPANT.has(kind)) return true;
  return scope === 'conversation' && !ONCE_PER_CONVERSATION.has(kind);
}

/** A row key's scope: it names a participant, a conversation, or neither (one row for every conversation). */
function rowScope(key: readonly TemplatePart[]): Scope {
  if (carries(key, new Set(['eventBody.participantId']))) return 'participant';
  return carries(key, new Set(['eventBody.conversationId'])) ? 'conversation' : 'table';
}

/**
 * Writes whose place one kind's events can reach more than once (an acd.end per ACD participant into one row keyed by
 * conversation, a reopened acw onto one key): the last to arrive would win. Each names where the file says it.
 */
export function repeatedPlaces(write: ParsedWrite, kind: string, where: string): string[] {
  if (write.type === 'conversationTag') {
    return repeatsAt(kind, 'conversation') ? [`${where}.conversationTag: ${kind} events can come more than once per conversation, in any order, and a conversation has one tag`] : [];
  }
  if (write.type === 'dataTableRow') {
    const scope = rowScope(write.key);
    if (!repeatsAt(kind, scope) || carries(write.key, EVENT_OWN_FIELDS)) return [];
    const per = scope === 'table' ? 'table (the key names no conversation or participant)' : scope;
    return [`${where}.dataTableRow.key: ${kind} events can come more than once per ${per}, in any order: key the row by something of the event's own, e.g. {{eventBody.participantId}} or {{eventBody.eventTime}}`];
  }
  const scope: Scope = write.participant === 'customer' ? 'conversation' : write.participant === 'agent' ? 'user' : 'participant';
  if (!repeatsAt(kind, scope)) return [];
  const per = { conversation: 'customer', user: 'agent (one user can be two participants of a conversation)', participant: 'participant', table: 'table' }[scope];
  return write.values
    .filter(([key]) => !carries(key, EVENT_OWN_FIELDS))
    .map(([key]) => `${where}.participantAttributes.values key "${key.map((part) => (typeof part === 'string' ? part : `{{${part.path}}}`)).join('')}": ${kind} events can come more than once per ${per}, in any order: put {{eventBody.eventTime | iso}} in the key`);
}
