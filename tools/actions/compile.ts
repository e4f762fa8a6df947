/**
 * Compiles an actions file into what deploys it: the EventBridge rule's pattern (only the kinds an action
 * uses reach SQS) and the workflow's routing (a Choice rule per action, each handing its plan to the
 * processor through a Pass state). Everything else in template.yaml and the ASL is left as written.
 */
import { CONVERSATION_DETAIL_TYPE_PREFIX, CONVERSATION_EVENT_KINDS, GENESYS_SOURCE_PREFIX } from '../../functions/shared/events.js';
import type { Action, ActionsConfig, FieldTest } from './config.js';

/** The Choice state that routes each event to its action, and where an event no action matches goes. */
export const ROUTING_STATE = 'Route by action';
export const NO_ACTION_STATE = 'No action for this event';
/** The task every action's plan is handed to. */
export const UPDATE_STATE = 'Update conversation';
/** Each action's Pass state is named `Action: <name>`, its own step `Step: <name>`. */
export const ACTION_STATE_PREFIX = 'Action: ';
export const STEP_STATE_PREFIX = 'Step: ';
/** Where a failed step goes: the workflow's Fail state, which carries the error to the dispatcher. */
export const FAILED_STATE = 'Update failed';

/** Lambda's own failures, retried as the update task retries them (a function error of the step is the user's: caught, parked). */
const STEP_RETRIED_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException', 'Lambda.Unknown'];

/** The action's own step: a Lambda task whose output lands at `$.step`, retried like the update, failing into the Fail state. */
function stepStateOf(action: Action): Record<string, unknown> {
  return {
    Type: 'Task',
    Comment: `The own step of action ${action.name} (docs/actions.md, "Your own step"): its output is $.step.`,
    Resource: action.step?.lambda,
    TimeoutSeconds: 10,
    ResultPath: '$.step',
    Retry: [{ ErrorEquals: STEP_RETRIED_ERRORS, IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 4, MaxAttempts: 2, JitterStrategy: 'FULL' }],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: FAILED_STATE }],
    Next: UPDATE_STATE,
  };
}

/** The kinds the file's actions use, in the order Genesys' topic list gives them. */
export function kindsOf(config: ActionsConfig): string[] {
  const used = new Set(config.actions.flatMap((action) => action.on));
  return CONVERSATION_EVENT_KINDS.filter((kind) => used.has(kind));
}

/** The rule's event pattern: Genesys' partner source, and a conversation detail-type of a used kind. */
export function eventPatternOf(config: ActionsConfig): Record<string, unknown> {
  return {
    source: [{ prefix: GENESYS_SOURCE_PREFIX }],
    'detail-type': kindsOf(config).map((kind) => ({ wildcard: `${CONVERSATION_DETAIL_TYPE_PREFIX}*.${kind}` })),
  };
}

type ChoiceRule = Record<string, unknown>;

/** Where a field of the file lives in the workflow input (`eventBody.x` is carried as `body.x`). */
export function inputPathOf(field: string): string {
  return `$.${field.startsWith('eventBody.') ? `body.${field.slice('eventBody.'.length)}` : field}`;
}

function isOneOf(variable: string, values: readonly string[]): ChoiceRule {
  const equals = values.map((value) => ({ Variable: variable, StringEquals: value }));
  // The presence and type tests first: a comparison on a missing field is a States.Runtime error, and And stops at the first false.
  return {
    And: [{ Variable: variable, IsPresent: true }, { Variable: variable, IsString: true }, equals.length === 1 ? equals[0] : { Or: equals }],
  };
}

function choiceOfTest(field: string, test: FieldTest): ChoiceRule {
  const variable = inputPathOf(field);
  // `IsPresent: false` is said as Not(IsPresent: true): the same rule in AWS, and aws-local-stepfunctions 3.0
  // (the local stack's engine) evaluates every type test written with `false` as false.
  if ('present' in test) return test.present ? { Variable: variable, IsPresent: true } : { Not: { Variable: variable, IsPresent: true } };
  if ('equals' in test) return isOneOf(variable, [test.equals]);
  if ('in' in test) return isOneOf(variable, test.in);
  return { Not: isOneOf(variable, 'notEquals' in test ? [test.notEquals] : test.notIn) };
}

function choiceOfAction(action: Action): ChoiceRule {
  const kinds = action.on.map((kind) => ({ Variable: '$.kind', StringEquals: kind }));
  const rules = [kinds.length === 1 ? kinds[0]! : { Or: kinds }, ...Object.entries(action.when).map(([field, test]) => choiceOfTest(field, test))];
  return { ...(rules.length === 1 ? rules[0] : { And: rules }), Next: `${ACTION_STATE_PREFIX}${action.name}` };
}

/** The routing states: the Choice, then one Pass per action putting its plan at `$.action`. */
export function routingStatesOf(config: ActionsConfig): Record<string, Record<string, unknown>> {
  const states: Record<string, Record<string, unknown>> = {
    [ROUTING_STATE]: {
      Type: 'Choice',
      Comment: `Generated from ${config.file} by npm run actions (docs/actions.md): the first action whose kinds and tests match the event.`,
      Choices: config.actions.map(choiceOfAction),
      Default: NO_ACTION_STATE,
    },
    [NO_ACTION_STATE]: { Type: 'Succeed' },
  };
  for (const action of config.actions) {
    const next = action.step === undefined ? UPDATE_STATE : `${STEP_STATE_PREFIX}${action.name}`;
    states[`${ACTION_STATE_PREFIX}${action.name}`] = { Type: 'Pass', Result: action.plan, ResultPath: '$.action', Next: next };
    if (action.step !== undefined) states[next] = stepStateOf(action);
  }
  return states;
}

/** A state machine definition, as far as routing cares. */
export interface RoutedDefinition {
  StartAt: string;
  States: Record<string, unknown>;
  [key: string]: unknown;
}

function isRoutingState(name: string): boolean {
  return name === ROUTING_STATE || name === NO_ACTION_STATE || name.startsWith(ACTION_STATE_PREFIX) || name.startsWith(STEP_STATE_PREFIX);
}

/**
 * `definition` with its routing states replaced by the file's: the routing first, then every other state
 * as it was. The definition must start at the routing state and have the update task.
 * @throws Error when it does not.
 */
export function withRouting<T extends RoutedDefinition>(definition: T, config: ActionsConfig): T {
  if (definition.StartAt !== ROUTING_STATE) throw new Error(`the workflow must start at "${ROUTING_STATE}" for actions to route it (it starts at "${definition.StartAt}")`);
  if (!(UPDATE_STATE in definition.States)) throw new Error(`the workflow has no "${UPDATE_STATE}" state for the actions to hand their plans to`);
  if (config.actions.some((action) => action.step !== undefined) && !(FAILED_STATE in definition.States)) throw new Error(`the workflow has no "${FAILED_STATE}" state for a failed step to end in`);
  const kept = Object.entries(definition.States).filter(([name]) => !isRoutingState(name));
  return { ...definition, States: { ...routingStatesOf(config), ...Object.fromEntries(kept) } };
}

/** The data tables the file writes to, each with the columns it writes: what a Genesys org (or the simulator) must have. */
export function dataTablesOf(config: ActionsConfig): { id: string; columns: string[] }[] {
  const tables = new Map<string, Set<string>>();
  for (const write of config.actions.flatMap((action) => action.parsed.writes)) {
    if (write.type !== 'dataTableRow') continue;
    const id = write.datatableId.toLowerCase();
    const columns = tables.get(id) ?? new Set<string>();
    for (const [column] of write.values) columns.add(column);
    tables.set(id, columns);
  }
  return [...tables].map(([id, columns]) => ({ id, columns: [...columns] }));
}
