/**
 * Evaluates the intrinsic functions in template values as CloudFormation would: against the run's
 * parameter values (the one merge of the template's defaults with overrides), the pseudo parameters
 * (one table, overridable per caller), conditions, and the `ref`/`getAtt` answers a caller gives for resources.
 */
import { getResource, parameterDefaults, type Template } from './parse.js';

/** The pseudo parameters CloudFormation answers without any resource. */
export interface PseudoParameters {
  'AWS::AccountId': string;
  'AWS::Region': string;
  'AWS::Partition': string;
  'AWS::StackName': string;
  'AWS::URLSuffix': string;
  'AWS::StackId': string;
}

/**
 * The pseudo parameters unless a caller says otherwise: moto's default account and region (so local ARNs
 * match what moto makes), and the stack name samconfig.toml deploys.
 */
export const DEFAULT_PSEUDO_PARAMETERS: Readonly<PseudoParameters> = {
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'us-east-1',
  'AWS::Partition': 'aws',
  'AWS::StackName': 'genesys-events-pipeline',
  'AWS::URLSuffix': 'amazonaws.com',
  // The shape CloudFormation gives it: the stack's ARN, ending in a UUID (the archive's name is made from it).
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:123456789012:stack/genesys-events-pipeline/6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b',
};

/** How `resolveValue` answers the references it meets. */
export interface ResolveContext {
  /** Parameter values by name (defaults are taken from the template for the rest). */
  parameters?: Record<string, string | number>;
  /** Pseudo parameters that differ from DEFAULT_PSEUDO_PARAMETERS (e.g. the local stack's `AWS::StackName`). */
  pseudoParameters?: Partial<PseudoParameters>;
  /** `Ref` of a resource. */
  ref?: (logicalId: string) => string;
  /** `Fn::GetAtt` of a resource. */
  getAtt?: (logicalId: string, attribute: string) => string;
}

/** Every parameter's value for a run, as CloudFormation passes them (strings): the template's defaults under `overrides`. */
export function parameterValues(template: Template, overrides: Record<string, string | number> = {}): Record<string, string> {
  const given = Object.fromEntries(Object.entries(overrides).map(([name, value]) => [name, String(value)]));
  return { ...parameterDefaults(template), ...given };
}

/** The pseudo parameters of a run: DEFAULT_PSEUDO_PARAMETERS under `overrides`. */
export function pseudoParameterValues(overrides: Partial<PseudoParameters> = {}): PseudoParameters {
  return { ...DEFAULT_PSEUDO_PARAMETERS, ...overrides };
}

/** What `Ref AWS::NoValue` resolves to while walking: dropped from the list or object that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** One resolution's answers to references, and the walk the intrinsics evaluate their arguments with. */
interface Scope {
  walk(node: unknown): unknown;
  ref(name: string): string | typeof NO_VALUE;
  getAtt(logicalId: string, attribute: string): string;
  condition(name: string): boolean;
}

type Intrinsic = (argument: unknown, scope: Scope) => unknown;

const items = (argument: unknown): unknown[] => argument as unknown[];

/** `${Name}`, `${Resource.Attribute}` and `${!Literal}` in an `Fn::Sub` text. */
function substitute(text: string, variables: Record<string, unknown>, scope: Scope): string {
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, name: string) => {
    if (literal === '!') return `\${${name}}`;
    if (name in variables) return String(scope.walk(variables[name]));
    const dot = name.indexOf('.');
    return dot < 0 ? String(scope.ref(name)) : scope.getAtt(name.slice(0, dot), name.slice(dot + 1));
  });
}

/** The intrinsics the template uses, by their long-form key. */
const INTRINSICS: Record<string, Intrinsic> = {
  Ref: (name, scope) => scope.ref(name as string),
  Condition: (name, scope) => scope.condition(name as string),
  'Fn::GetAtt': (argument, scope) => scope.getAtt(String(items(argument)[0]), String(items(argument)[1])),
  'Fn::Sub': (argument, scope) => {
    if (typeof argument === 'string') return substitute(argument, {}, scope);
    const [text, variables] = items(argument);
    return substitute(text as string, (variables ?? {}) as Record<string, unknown>, scope);
  },
  'Fn::If': (argument, scope) => {
    const [name, whenTrue, whenFalse] = items(argument);
    return scope.condition(name as string) ? scope.walk(whenTrue) : scope.walk(whenFalse);
  },
  'Fn::Equals': (argument, scope) => String(scope.walk(items(argument)[0])) === String(scope.walk(items(argument)[1])),
  'Fn::Not': (argument, scope) => !scope.walk(items(argument)[0]),
  'Fn::And': (argument, scope) => items(argument).every((item) => Boolean(scope.walk(item))),
  'Fn::Or': (argument, scope) => items(argument).some((item) => Boolean(scope.walk(item))),
  'Fn::Join': (argument, scope) => (scope.walk(items(argument)[1]) as unknown[]).join(items(argument)[0] as string),
  'Fn::Select': (argument, scope) => (scope.walk(items(argument)[1]) as unknown[])[Number(scope.walk(items(argument)[0]))],
  'Fn::Split': (argument, scope) => String(scope.walk(items(argument)[1])).split(items(argument)[0] as string),
};

/** Whether a one-key object is an intrinsic. An IAM statement's `Condition` is an object: only `{Condition: 'Name'}` is one. */
function isIntrinsic(key: string, argument: unknown): boolean {
  return key === 'Ref' || key.startsWith('Fn::') || (key === 'Condition' && typeof argument === 'string');
}

function walk(node: unknown, scope: Scope): unknown {
  if (Array.isArray(node)) return node.map((item) => walk(item, scope)).filter((item) => item !== NO_VALUE);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined && isIntrinsic(key, argument)) {
    const intrinsic = Object.hasOwn(INTRINSICS, key) ? INTRINSICS[key] : undefined;
    if (intrinsic === undefined) throw new Error(`resolveValue does not know ${key}`);
    return intrinsic(argument, scope);
  }
  return Object.fromEntries(entries.map(([name, item]) => [name, walk(item, scope)]).filter(([, item]) => item !== NO_VALUE));
}

function scopeOf(template: Template, context: ResolveContext): Scope {
  const parameters = parameterValues(template, context.parameters);
  const pseudoParameters: Record<string, string> = { ...pseudoParameterValues(context.pseudoParameters) };
  const scope: Scope = {
    walk: (node) => walk(node, scope),
    ref: (name) => {
      if (name === 'AWS::NoValue') return NO_VALUE;
      if (Object.hasOwn(parameters, name)) return parameters[name] as string;
      if (template.Resources[name] !== undefined && context.ref) return context.ref(name);
      if (Object.hasOwn(pseudoParameters, name)) return pseudoParameters[name] as string;
      throw new Error(`cannot resolve Ref ${name}`);
    },
    getAtt: (logicalId, attribute) => {
      if (context.getAtt === undefined) throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
      return context.getAtt(logicalId, attribute);
    },
    condition: (name) => {
      const definition = template.Conditions?.[name];
      if (definition === undefined) throw new Error(`template.yaml has no condition ${name}`);
      return Boolean(scope.walk(definition));
    },
  };
  return scope;
}

/**
 * Evaluates the intrinsic functions in `value` (Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or, Fn::Join, Fn::Select, Fn::Split, Condition) against parameter values, pseudo parameters
 * and the `ref`/`getAtt` answers in `context`. `AWS::NoValue` removes the property or list item that holds it,
 * as CloudFormation does.
 * @throws Error on a reference nobody answers or an intrinsic it does not know.
 */
export function resolveValue(template: Template, value: unknown, context: ResolveContext = {}): unknown {
  const resolved = walk(value, scopeOf(template, context));
  return resolved === NO_VALUE ? undefined : resolved;
}

/** Whether a resource exists for the given parameters (its `Condition` holds, or it has none). */
export function isCreated(
  template: Template,
  logicalId: string,
  parameters: Record<string, string | number> = {},
  pseudoParameters: Partial<PseudoParameters> = {},
): boolean {
  const name = getResource(template, logicalId).Condition;
  return name === undefined || Boolean(resolveValue(template, { Condition: name }, { parameters, pseudoParameters }));
}
