/**
 * What an action writes for one event: its plan's templates rendered from the workflow input. Pure, so the
 * processor and the run's expected state (local/harness) compute the same writes from the same event.
 */
import { InvalidEvent } from '../errors.js';
import type { WorkflowInput } from '../events.js';
import type { ParsedPlan, ParticipantTarget } from './plan.js';
import { renderTemplate, type TemplatePart, type TemplateScope } from './template.js';

/** Genesys: "The number of characters allowed in a single reference key is 256" (help.mypurecloud.com, "Work with data tables"). */
export const DATA_TABLE_KEY_MAX_LENGTH = 256;

/** A write with every template rendered. */
export type RenderedWrite =
  | { type: 'participantAttributes'; participant: ParticipantTarget; attributes: Record<string, string> }
  | { type: 'dataTableRow'; datatableId: string; key: string; values: Record<string, string> }
  | { type: 'conversationTag'; externalTag: string };

/** The scope templates render from. */
export function scopeOf(input: Pick<WorkflowInput, 'kind' | 'body' | 'time' | 'detail' | 'step'>): TemplateScope {
  return { kind: input.kind, time: input.time, eventBody: input.body, detail: input.detail, step: input.step };
}

/**
 * A key (attribute key, row key, tag) must render: without it the write has no target.
 * @throws InvalidEvent naming the action and the field the event lacks.
 */
function renderKey(parts: readonly TemplatePart[], scope: TemplateScope, action: string, what: string): string {
  const rendered = renderTemplate(parts, scope);
  if (typeof rendered === 'string') return rendered;
  throw new InvalidEvent(`action "${action}": ${what} needs ${rendered.path}, which is ${rendered.reason === 'missing' ? 'absent from the event' : 'not a string'}`);
}

/**
 * A value renders or is left out: an event without `disconnectType` writes the keys it can. A field of the
 * wrong type is refused, as the event says something the configuration did not expect.
 * @throws InvalidEvent
 */
function renderValue(parts: readonly TemplatePart[], scope: TemplateScope, action: string, what: string): string | undefined {
  const rendered = renderTemplate(parts, scope);
  if (typeof rendered === 'string') return rendered;
  if (rendered.reason === 'missing') return undefined;
  throw new InvalidEvent(`action "${action}": ${what} reads ${rendered.path}, which is not a string`);
}

function renderValues(entries: readonly [string | TemplatePart[], TemplatePart[]][], scope: TemplateScope, action: string, what: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [keyTemplate, valueTemplate] of entries) {
    const key = typeof keyTemplate === 'string' ? keyTemplate : renderKey(keyTemplate, scope, action, `a ${what} key`);
    const value = renderValue(valueTemplate, scope, action, `${what} "${key}"`);
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/**
 * The writes `plan` makes for `input`. A participant attributes write or data table row left with no values
 * (every field it reads absent) is dropped: there is nothing to write.
 * @throws InvalidEvent when a key cannot render for this event.
 */
export function renderPlan(plan: ParsedPlan, input: Pick<WorkflowInput, 'kind' | 'body' | 'time' | 'detail' | 'step'>): RenderedWrite[] {
  const scope = scopeOf(input);
  const writes: RenderedWrite[] = [];
  for (const write of plan.writes) {
    if (write.type === 'conversationTag') {
      writes.push({ type: write.type, externalTag: renderKey(write.externalTag, scope, plan.name, 'the conversation tag') });
    } else if (write.type === 'participantAttributes') {
      const attributes = renderValues(write.values, scope, plan.name, 'attribute');
      if (Object.keys(attributes).length > 0) writes.push({ type: write.type, participant: write.participant, attributes });
    } else {
      const key = renderKey(write.key, scope, plan.name, 'the data table row key');
      if (key.length > DATA_TABLE_KEY_MAX_LENGTH) throw new InvalidEvent(`action "${plan.name}": the data table row key is ${key.length} characters, over Genesys' ${DATA_TABLE_KEY_MAX_LENGTH}`);
      // A URL resolves `.` and `..` segments away: the request would name another resource.
      if (key === '' || key === '.' || key === '..') throw new InvalidEvent(`action "${plan.name}": the data table row key renders as ${JSON.stringify(key)}, which names no row`);
      const values = renderValues(write.values, scope, plan.name, 'column');
      if (Object.keys(values).length > 0) writes.push({ type: write.type, datatableId: write.datatableId, key, values });
    }
  }
  return writes;
}
