/**
 * The value templates of actions.yaml (`aws.{{kind}}.queue`, `{{eventBody.eventTime | iso}}`): parsed once,
 * rendered from the event alone, never the clock or randomness, so every write stays a pure function of
 * the event. The same parser serves `npm run actions` (which refuses what does not parse) and the processor.
 */

/** What a placeholder may read: the workflow input's `kind`, the envelope's `time`, `eventBody.*`, `detail.*`, and `step.*` (the output of the action's own step). */
export const TEMPLATE_ROOTS = ['kind', 'time', 'eventBody', 'detail', 'step'] as const;

/** One filter of a placeholder: `iso` (epoch milliseconds to ISO 8601) or `default:<text>` (when the value is missing). */
export type TemplateFilter = { name: 'iso' } | { name: 'default'; text: string };

/** A `{{ path | filter ... }}` placeholder: `path` is the dotted field, e.g. `eventBody.queueId`. */
export interface Placeholder {
  path: string;
  filters: TemplateFilter[];
}

/** A parsed template: literal text and placeholders in order. */
export type TemplatePart = string | Placeholder;

/** A template that does not parse, with the reason. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
}

const PLACEHOLDER = /\{\{(.*?)\}\}/g;
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseFilter(text: string): TemplateFilter {
  if (text === 'iso') return { name: 'iso' };
  if (text.startsWith('default:')) return { name: 'default', text: text.slice('default:'.length).trim() };
  throw new TemplateSyntaxError(`unknown filter "${text}" (iso, default:<text>)`);
}

function parsePlaceholder(inner: string): Placeholder {
  const [rawPath = '', ...rawFilters] = inner.split('|');
  const path = rawPath.trim();
  const segments = path.split('.');
  const [root] = segments;
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root ?? '') || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new TemplateSyntaxError(`"{{${inner}}}" does not name a field (${TEMPLATE_ROOTS.join(', ')}, eventBody.<field>, detail.<field>, step.<field>)`);
  }
  if ((root === 'eventBody' || root === 'detail' || root === 'step') === (segments.length === 1)) {
    throw new TemplateSyntaxError(`"{{${inner}}}": ${root} ${segments.length === 1 ? 'needs a field, e.g. eventBody.queueId' : 'has no fields'}`);
  }
  return { path, filters: rawFilters.map((filter) => parseFilter(filter.trim())) };
}

/**
 * Parses a template.
 * @throws TemplateSyntaxError for an unclosed `{{`, a stray `}}`, an unknown root or filter.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const literal = text.slice(last, match.index);
    if (literal.includes('{{') || literal.includes('}}')) throw new TemplateSyntaxError(`"${text}" has an unbalanced {{ or }}`);
    if (literal.length > 0) parts.push(literal);
    parts.push(parsePlaceholder(match[1] ?? ''));
    last = match.index + match[0].length;
  }
  const rest = text.slice(last);
  if (rest.includes('{{') || rest.includes('}}')) throw new TemplateSyntaxError(`"${text}" has an unbalanced {{ or }}`);
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/** The fields a template reads, as dotted paths. */
export function placeholdersOf(parts: readonly TemplatePart[]): Placeholder[] {
  return parts.filter((part): part is Placeholder => typeof part !== 'string');
}

/** What a template renders from: the workflow input's fields. */
export interface TemplateScope {
  kind: string;
  time?: unknown;
  eventBody: Record<string, unknown>;
  detail?: unknown;
  /** What the action's own step returned (docs/actions.md, "Your own step"). */
  step?: unknown;
}

/** Why a template could not render for this event: the field it needs is absent, or of another type. */
export interface Unresolved {
  path: string;
  reason: 'missing' | 'not a string';
}

/** The latest time a JavaScript Date holds (ECMAScript, "Time Values and Time Range"). */
const MAX_TIME_MS = 8.64e15;

/** The value at a dotted field path (`eventBody.queueId`, `detail.metadata.CorrelationId`) of `scope`; undefined when absent. */
export function valueAt(scope: TemplateScope, path: string): unknown {
  const [root, ...rest] = path.split('.');
  let value: unknown = root === 'eventBody' ? scope.eventBody : (scope as unknown as Record<string, unknown>)[root ?? ''];
  for (const segment of rest) {
    value = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

function applyFilter(value: unknown, filter: TemplateFilter): unknown {
  if (filter.name === 'default') return value === undefined || value === null ? filter.text : value;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_TIME_MS ? new Date(value).toISOString() : value;
}

function renderPlaceholder(scope: TemplateScope, placeholder: Placeholder): string | Unresolved {
  const value = placeholder.filters.reduce<unknown>((current, filter) => applyFilter(current, filter), valueAt(scope, placeholder.path));
  if (value === undefined || value === null) return { path: placeholder.path, reason: 'missing' };
  return typeof value === 'string' ? value : { path: placeholder.path, reason: 'not a string' };
}

/** Renders a parsed template, or says which field kept it from rendering. */
export function renderTemplate(parts: readonly TemplatePart[], scope: TemplateScope): string | Unresolved {
  let text = '';
  for (const part of parts) {
    const rendered = typeof part === 'string' ? part : renderPlaceholder(scope, part);
    if (typeof rendered !== 'string') return rendered;
    text += rendered;
  }
  return text;
}
