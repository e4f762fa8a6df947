/**
 * Which action an event runs and what it writes, computed in TypeScript from the same file the workflow's
 * routing is compiled from: the local runs' expectations (local/harness) come from here, so a difference
 * between this and the deployed Choice state shows up as a state mismatch, not as agreement by construction.
 */
import { renderPlan, scopeOf, type RenderedWrite } from '../../functions/shared/actions/render.js';
import { valueAt } from '../../functions/shared/actions/template.js';
import { InvalidEvent } from '../../functions/shared/errors.js';
import type { WorkflowInput } from '../../functions/shared/events.js';
import type { Action, ActionsConfig, FieldTest } from './config.js';

/** The parts of an event the routing reads. */
export type RoutedEvent = Pick<WorkflowInput, 'kind' | 'body' | 'time' | 'detail'>;

function passes(value: unknown, test: FieldTest): boolean {
  if ('present' in test) return (value !== undefined) === test.present;
  const isOneOf = (values: readonly string[]): boolean => typeof value === 'string' && values.includes(value);
  if ('equals' in test) return isOneOf([test.equals]);
  if ('in' in test) return isOneOf(test.in);
  return !isOneOf('notEquals' in test ? [test.notEquals] : test.notIn);
}

/** The first action whose kinds and tests match, as the workflow's Choice state picks it. */
export function actionFor(config: ActionsConfig, event: RoutedEvent): Action | undefined {
  return config.actions.find((action) => action.on.includes(event.kind) && Object.entries(action.when).every(([field, test]) => passes(valueAt(scopeOf(event), field), test)));
}

/**
 * What an event writes: its action's name and rendered writes, or why the processor refuses it (`invalid`, the
 * InvalidEvent message: the event is parked); undefined when no action matches.
 */
export function writesFor(config: ActionsConfig, event: RoutedEvent): { action: string; writes: RenderedWrite[]; invalid?: string } | undefined {
  const action = actionFor(config, event);
  if (action === undefined) return undefined;
  try {
    return { action: action.name, writes: renderPlan(action.parsed, event) };
  } catch (error) {
    if (error instanceof InvalidEvent) return { action: action.name, writes: [], invalid: error.message };
    throw error;
  }
}
