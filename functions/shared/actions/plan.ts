/**
 * An action's plan: the writes one event makes, as actions.yaml says them and the workflow hands them to the
 * processor (the routing state puts the plan of the matching action into the task payload, docs/actions.md).
 * Parsed here once for both the build (`npm run actions`) and the processor, so they refuse the same things.
 */
import { ConfigurationError } from '../errors.js';
import { isRecord, isUuid } from '../events.js';
import { parseTemplate, TemplateSyntaxError, type TemplatePart } from './template.js';

/** Whose participant data an attributes write changes. */
export const PARTICIPANT_TARGETS = ['event', 'customer', 'agent'] as const;

/**
 * `event`: the participant the event names (`participantId`), or the conversation's customer when it names none
 * (as Genesys leaves it out of some customer events); `customer`: the participant whose purpose is `customer`;
 * `agent`: the participant whose `userId` is the event's `userId`.
 */
export type ParticipantTarget = (typeof PARTICIPANT_TARGETS)[number];

/** `PATCH /api/v2/conversations/{id}/participants/{participantId}/attributes`: key templates to value templates. */
export interface ParticipantAttributesWrite {
  participantAttributes: { participant: ParticipantTarget; values: Record<string, string> };
}

/** `PUT /api/v2/flows/datatables/{datatableId}/rows/{key}`: the row key and column values, all templates. */
export interface DataTableRowWrite {
  dataTableRow: { datatableId: string; key: string; values: Record<string, string> };
}

/** `PUT /api/v2/conversations/{id}/tags`: the conversation's external tag, a template. */
export interface ConversationTagWrite {
  conversationTag: string;
}

/** One write of an action. */
export type ActionWrite = ParticipantAttributesWrite | DataTableRowWrite | ConversationTagWrite;

/** What the workflow hands the processor for one event: the matching action's name and its writes. */
export interface ActionPlan {
  name: string;
  writes: ActionWrite[];
}

/** A write with its templates parsed. */
export type ParsedWrite =
  | { type: 'participantAttributes'; participant: ParticipantTarget; values: [TemplatePart[], TemplatePart[]][] }
  | { type: 'dataTableRow'; datatableId: string; key: TemplatePart[]; values: [string, TemplatePart[]][] }
  | { type: 'conversationTag'; externalTag: TemplatePart[] };

/** A plan with its templates parsed, ready to render. */
export interface ParsedPlan {
  name: string;
  writes: ParsedWrite[];
}

/** An action or a field of it that is not what it must be: `where` names it (`actions[2].writes[0].dataTableRow.key`). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

function template(value: unknown, where: string): TemplatePart[] {
  if (typeof value !== 'string') throw new PlanError(where, `must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`);
  try {
    return parseTemplate(value);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new PlanError(where, error.message);
    throw error;
  }
}

function mapping(value: unknown, where: string): [string, unknown][] {
  if (!isRecord(value) || Object.keys(value).length === 0) throw new PlanError(where, 'must be a mapping of at least one key');
  return Object.entries(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new PlanError(`${where}.${unknown}`, `is not a field here (${allowed.join(', ')})`);
}

function parseWrite(value: unknown, where: string): ParsedWrite {
  if (!isRecord(value) || Object.keys(value).length !== 1) {
    throw new PlanError(where, 'must be one of participantAttributes, dataTableRow, conversationTag');
  }
  if ('conversationTag' in value) return { type: 'conversationTag', externalTag: template(value.conversationTag, `${where}.conversationTag`) };
  if ('participantAttributes' in value) {
    const at = `${where}.participantAttributes`;
    const body = value.participantAttributes;
    if (!isRecord(body)) throw new PlanError(at, 'must be a mapping with participant and values');
    onlyKeys(body, ['participant', 'values'], at);
    const participant = body.participant ?? 'event';
    if (!(PARTICIPANT_TARGETS as readonly unknown[]).includes(participant)) throw new PlanError(`${at}.participant`, `must be one of ${PARTICIPANT_TARGETS.join(', ')}`);
    const values = mapping(body.values, `${at}.values`).map(([key, text]): [TemplatePart[], TemplatePart[]] => [template(key, `${at}.values key "${key}"`), template(text, `${at}.values.${key}`)]);
    return { type: 'participantAttributes', participant: participant as ParticipantTarget, values };
  }
  if ('dataTableRow' in value) {
    const at = `${where}.dataTableRow`;
    const body = value.dataTableRow;
    if (!isRecord(body)) throw new PlanError(at, 'must be a mapping with datatableId, key and values');
    onlyKeys(body, ['datatableId', 'key', 'values'], at);
    // Genesys' data table ids are UUIDs; only such an id goes into the URL.
    if (!isUuid(body.datatableId)) throw new PlanError(`${at}.datatableId`, 'must be the data table\'s id (a UUID)');
    const values = mapping(body.values, `${at}.values`).map(([column, text]): [string, TemplatePart[]] => [column, template(text, `${at}.values.${column}`)]);
    return { type: 'dataTableRow', datatableId: body.datatableId, key: template(body.key, `${at}.key`), values };
  }
  throw new PlanError(`${where}.${Object.keys(value)[0]}`, 'is not a write (participantAttributes, dataTableRow, conversationTag)');
}

/**
 * Parses a plan.
 * @throws PlanError naming the field (`where` relative to `at`).
 */
export function parsePlan(value: unknown, at = 'action'): ParsedPlan {
  if (!isRecord(value)) throw new PlanError(at, 'must be a mapping');
  const { name, writes } = value;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new PlanError(`${at}.name`, 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  if (!Array.isArray(writes) || writes.length === 0) throw new PlanError(`${at}.writes`, 'must be a list of at least one write');
  return { name, writes: writes.map((write, index) => parseWrite(write, `${at}.writes[${index}]`)) };
}

/**
 * The plan of a task payload.
 * @throws ConfigurationError naming the action and field: the deployed workflow carries a plan the build would
 * have refused, which a corrected deploy (and a redelivery) fixes.
 */
export function planOfPayload(value: unknown): ParsedPlan {
  try {
    return parsePlan(value);
  } catch (error) {
    if (error instanceof PlanError) throw new ConfigurationError(`the workflow's action plan is not valid: ${error.message}`);
    throw error;
  }
}
