/** The template values the invariants compare, read once here: the logical ids, and numbers resolved from parameters. */
import { functionProperty, getProperties, resolveValue, type Template } from '../../template/index.js';

/** The logical ids the invariants are about (docs/contracts.md). */
export const IDS = {
  queue: 'EventsQueue',
  dispatcher: 'DispatcherFunction',
  processor: 'ProcessorFunction',
} as const;

/**
 * A value resolved against the template's parameter defaults, as a number.
 * @throws Error naming `what` when it is not one.
 */
export function numberOf(template: Template, value: unknown, what: string): number {
  const resolved = Number(resolveValue(template, value));
  if (!Number.isFinite(resolved)) throw new Error(`${what} is not a number: ${JSON.stringify(value)}`);
  return resolved;
}

/** The dispatcher's Timeout (s). */
export function dispatcherTimeout(template: Template): number {
  return numberOf(template, functionProperty(template, IDS.dispatcher, 'Timeout'), `${IDS.dispatcher} Timeout`);
}

/** The EventsQueue's VisibilityTimeout (s), SQS's 30 when unset. */
export function visibilityTimeout(template: Template): number {
  return numberOf(template, getProperties(template, IDS.queue).VisibilityTimeout ?? 30, `${IDS.queue} VisibilityTimeout`);
}

/** A value that may be one item or a list, as a list (IAM and queue policies write both). */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
