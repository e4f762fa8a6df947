/**
 * Reads actions.yaml: what each contact centre's pipeline does on which event (docs/actions.md). The file's
 * shape is checked here (errors name the file, the action and the field); what its fields mean is checked by
 * check.ts, and compile.ts turns it into the rule's pattern and the workflow's routing.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { isRecord } from '../../functions/shared/events.js';
import { parsePlan, PlanError, type ActionPlan, type ParsedPlan } from '../../functions/shared/actions/plan.js';
import { PROJECT_ROOT } from '../../template/index.js';

/** The file `sam build && sam deploy` deploys, once `npm run actions` has compiled it. */
export const ACTIONS_PATH = resolve(PROJECT_ROOT, 'actions.yaml');

/** A test of one event field: every test of an action's `when` must hold. */
export type FieldTest = { equals: string } | { notEquals: string } | { in: string[] } | { notIn: string[] } | { present: boolean };

/** The operators of a field test. */
export const FIELD_TEST_OPERATORS = ['equals', 'notEquals', 'in', 'notIn', 'present'] as const;

/** An action's own step: the Lambda function to call, by ARN or as a `${Substitution}` of the state machine's DefinitionSubstitutions. */
export interface ActionStep {
  lambda: string;
}

/** A Lambda function ARN, or a DefinitionSubstitutions placeholder SAM replaces with one. */
const LAMBDA_TARGET = /^(?:\$\{[A-Za-z0-9]+\}|arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?)$/;

function readStep(value: unknown, file: string, where: string): ActionStep | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.keys(value).length !== 1 || !('lambda' in value)) fail(file, where, 'must be { lambda: <function ARN or ${Substitution}> }');
  if (typeof value.lambda !== 'string' || !LAMBDA_TARGET.test(value.lambda)) fail(file, `${where}.lambda`, 'must be a Lambda function ARN or a ${Substitution} the state machine defines');
  return { lambda: value.lambda };
}

/** One action of the file. */
export interface Action {
  name: string;
  /** The event kinds it acts on. */
  on: string[];
  /** Field (`eventBody.disconnectType`, `detail.version`) to test; absent: every event of its kinds. */
  when: Record<string, FieldTest>;
  /** The user's own state before the writes: a Lambda function whose output templates read as `step.*`. */
  step?: ActionStep;
  /** The plan the workflow hands the processor: the name and the writes, as written. */
  plan: ActionPlan;
  /** The plan with its templates parsed. */
  parsed: ParsedPlan;
}

/** A read actions file. */
export interface ActionsConfig {
  /** The file it was read from, relative to the project when inside it. */
  file: string;
  actions: Action[];
}

/** A file that is not a valid actions file: the message names the file, the action and the field. */
export class ActionsError extends Error {
  override readonly name = 'ActionsError';
}

function fail(file: string, where: string, message: string): never {
  throw new ActionsError(`${file}: ${where}: ${message}`);
}

function fieldTest(value: unknown, file: string, where: string): FieldTest {
  if (!isRecord(value) || Object.keys(value).length !== 1) fail(file, where, `must be one test: ${FIELD_TEST_OPERATORS.join(', ')}`);
  const [operator, operand] = Object.entries(value)[0] as [string, unknown];
  if (operator === 'present') {
    if (typeof operand !== 'boolean') fail(file, `${where}.present`, 'must be true or false');
    return { present: operand };
  }
  if (operator === 'equals' || operator === 'notEquals') {
    if (typeof operand !== 'string') fail(file, `${where}.${operator}`, 'must be a string');
    return operator === 'equals' ? { equals: operand } : { notEquals: operand };
  }
  if (operator === 'in' || operator === 'notIn') {
    if (!Array.isArray(operand) || operand.length === 0 || !operand.every((item) => typeof item === 'string')) fail(file, `${where}.${operator}`, 'must be a list of strings');
    return operator === 'in' ? { in: operand as string[] } : { notIn: operand as string[] };
  }
  return fail(file, `${where}.${operator}`, `is not a test (${FIELD_TEST_OPERATORS.join(', ')})`);
}

function readAction(value: unknown, index: number, file: string): Action {
  const at = `actions[${index}]`;
  if (!isRecord(value)) fail(file, at, 'must be a mapping with name, on and writes');
  const named = typeof value.name === 'string' ? `${at} "${value.name}"` : at;
  const unknown = Object.keys(value).find((key) => !['name', 'on', 'when', 'step', 'writes'].includes(key));
  if (unknown !== undefined) fail(file, `${named}.${unknown}`, 'is not a field of an action (name, on, when, step, writes)');
  const on = typeof value.on === 'string' ? [value.on] : value.on;
  if (!Array.isArray(on) || on.length === 0 || !on.every((kind) => typeof kind === 'string')) fail(file, `${named}.on`, 'must be an event kind or a list of them');
  const when = value.when ?? {};
  if (!isRecord(when)) fail(file, `${named}.when`, 'must be a mapping of event fields to tests');
  const plan = { name: value.name, writes: value.writes } as ActionPlan;
  let parsed: ParsedPlan;
  try {
    parsed = parsePlan(plan, named);
  } catch (error) {
    if (error instanceof PlanError) fail(file, error.where, error.message.slice(error.where.length + 2));
    throw error;
  }
  const notEventField = Object.keys(when).find((field) => !/^(?:eventBody|detail)\.[A-Za-z_][A-Za-z0-9_.]*$/.test(field));
  if (notEventField !== undefined) fail(file, `${named}.when.${notEventField}`, 'tests an event field: eventBody.<field> or detail.<field> (the kinds are `on`)');
  const tests = Object.fromEntries(Object.entries(when).map(([field, test]) => [field, fieldTest(test, file, `${named}.when.${field}`)]));
  const step = readStep(value.step, file, `${named}.step`);
  return { name: parsed.name, on: on as string[], when: tests, ...(step === undefined ? {} : { step }), plan, parsed };
}

/**
 * Parses the text of an actions file.
 * @throws ActionsError naming `file`, the action and the field.
 */
export function parseActions(text: string, file: string): ActionsConfig {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ActionsError(`${file}: is not YAML: ${(error as Error).message}`);
  }
  if (!isRecord(document) || !Array.isArray(document.actions)) fail(file, 'actions', 'must be a list of actions');
  const extra = Object.keys(document).find((key) => key !== 'actions');
  if (extra !== undefined) fail(file, extra, 'is not a field of an actions file (actions)');
  return { file, actions: document.actions.map((action, index) => readAction(action, index, file)) };
}

/**
 * Reads an actions file (default actions.yaml).
 * @throws ActionsError when it cannot be read or is not an actions file.
 */
export function loadActions(path: string = ACTIONS_PATH): ActionsConfig {
  const file = path.startsWith(PROJECT_ROOT) ? relative(PROJECT_ROOT, path) : path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ActionsError(`${file}: cannot be read: ${(error as Error).message}`);
  }
  return parseActions(text, file);
}
