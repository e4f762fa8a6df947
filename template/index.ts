/**
 * Reads template.yaml as plain data, for the build, the validation, the tests and the local stack,
 * so every one of them takes its settings from the one file SAM deploys.
 *
 * CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub '...'`) become their long-form
 * objects (`{Ref: 'X'}`, `{'Fn::GetAtt': ['A', 'B']}`, `{'Fn::Sub': '...'}`), exactly as
 * CloudFormation itself reads them. `resolveValue` evaluates the handful of intrinsics the template uses.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, isSeq, isMap, type ScalarTag, type CollectionTag, type YAMLSeq, type YAMLMap } from 'yaml';

/** The repository root (the directory holding template.yaml). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The path of the template SAM deploys. */
export const TEMPLATE_PATH = resolve(PROJECT_ROOT, 'template.yaml');

/** A CloudFormation resource as written in the template (before the SAM transform). */
export interface TemplateResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A template parameter. */
export interface TemplateParameter {
  Type: string;
  Default?: string | number;
  Description?: string;
  AllowedPattern?: string;
  AllowedValues?: (string | number)[];
  MinValue?: number;
  MaxValue?: number;
  [key: string]: unknown;
}

/** A parsed template.yaml. */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Parameters?: Record<string, TemplateParameter>;
  Conditions?: Record<string, unknown>;
  Globals?: Record<string, Record<string, unknown>>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Description?: string; Value: unknown; Condition?: string; [key: string]: unknown }>;
}

/** esbuild settings SAM reads from a function's `Metadata.BuildProperties` (`BuildMethod: esbuild`). */
export interface BuildProperties {
  EntryPoints: string[];
  Format?: 'esm' | 'cjs';
  Minify?: boolean;
  Target?: string;
  Sourcemap?: boolean;
  OutExtension?: string[];
  /** esbuild's `--banner:<type>=<text>`, e.g. `js=import ...`. */
  Banner?: string[] | string;
  External?: string[];
  [key: string]: unknown;
}

/** One `AWS::Serverless::Function` with its build settings. */
export interface FunctionBuild {
  logicalId: string;
  handler: string;
  buildProperties: BuildProperties;
}

const SCALAR_FUNCTIONS: Record<string, string> = {
  '!Base64': 'Fn::Base64',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Sub': 'Fn::Sub',
  '!ToJsonString': 'Fn::ToJsonString',
};
const SEQ_FUNCTIONS: Record<string, string> = {
  '!And': 'Fn::And',
  '!Cidr': 'Fn::Cidr',
  '!Equals': 'Fn::Equals',
  '!FindInMap': 'Fn::FindInMap',
  '!GetAtt': 'Fn::GetAtt',
  '!If': 'Fn::If',
  '!Join': 'Fn::Join',
  '!Length': 'Fn::Length',
  '!Not': 'Fn::Not',
  '!Or': 'Fn::Or',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!Sub': 'Fn::Sub',
};

/**
 * The custom tags for CloudFormation's short forms. A tag can take a scalar or a sequence (e.g.
 * `!Sub 'x'` and `!Sub ['x', {..}]`), and `!GetAtt A.B` is the scalar form of `!GetAtt [A, B]`.
 */
export const CLOUDFORMATION_TAGS: (ScalarTag | CollectionTag)[] = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
  {
    tag: '!GetAtt',
    resolve: (value: string) => {
      const dot = value.indexOf('.');
      return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
    },
  },
  ...Object.entries(SCALAR_FUNCTIONS).map(([tag, fn]): ScalarTag => ({ tag, resolve: (value: string) => ({ [fn]: value }) })),
  ...Object.entries(SEQ_FUNCTIONS).map(
    ([tag, fn]): CollectionTag => ({ tag, collection: 'seq', resolve: (seq) => ({ [fn]: toJs(seq) }) }),
  ),
  // `!GetAZs` and `!Base64` also take a nested function as a map: `!Base64 {Fn::Sub: ...}`.
  ...Object.entries(SCALAR_FUNCTIONS).map(
    ([tag, fn]): CollectionTag => ({ tag, collection: 'map', resolve: (map) => ({ [fn]: toJs(map) }) }),
  ),
];

function toJs(node: YAMLSeq | YAMLMap): unknown {
  return isSeq(node) || isMap(node) ? node.toJSON() : node;
}

/** Parses template text, short-form tags included. */
export function parseTemplate(text: string): Template {
  const template = parse(text, { customTags: CLOUDFORMATION_TAGS, maxAliasCount: -1 }) as Template | null;
  if (template === null || typeof template !== 'object' || typeof template.Resources !== 'object') {
    throw new Error('template has no Resources section');
  }
  return template;
}

/** Reads and parses template.yaml (or another template at `path`). */
export function loadTemplate(path: string = TEMPLATE_PATH): Template {
  return parseTemplate(readFileSync(path, 'utf8'));
}

/**
 * A resource by logical id.
 * @throws Error naming the id when the template lacks it.
 */
export function getResource(template: Template, logicalId: string): TemplateResource {
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`template.yaml has no resource ${logicalId}`);
  return resource;
}

/** A resource's Properties (an empty object when it has none). */
export function getProperties(template: Template, logicalId: string): Record<string, unknown> {
  return getResource(template, logicalId).Properties ?? {};
}

/** Logical ids of every resource of a type, in template order. */
export function resourcesOfType(template: Template, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId]) => logicalId);
}

/**
 * A parameter's default, as CloudFormation passes it (a string).
 * @throws Error when the parameter is missing or has no default.
 */
export function parameterDefault(template: Template, name: string): string {
  const parameter = template.Parameters?.[name];
  if (parameter === undefined) throw new Error(`template.yaml has no parameter ${name}`);
  if (parameter.Default === undefined) throw new Error(`parameter ${name} has no default`);
  return String(parameter.Default);
}

/** Every parameter's default, keyed by name (parameters without a default are left out). */
export function parameterDefaults(template: Template): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    if (parameter.Default !== undefined) defaults[name] = String(parameter.Default);
  }
  return defaults;
}

/**
 * A function's property, falling back to `Globals.Function` as SAM does (e.g. `Runtime`, `Timeout`).
 * Maps such as `Environment` are merged by `functionEnvironment`, not here.
 */
export function functionProperty(template: Template, logicalId: string, name: string): unknown {
  return getProperties(template, logicalId)[name] ?? template.Globals?.Function?.[name];
}

/** A function's environment variables: `Globals.Function` merged under the function's own, as SAM merges them. */
export function functionEnvironment(template: Template, logicalId: string): Record<string, unknown> {
  const variablesOf = (properties: Record<string, unknown> | undefined): Record<string, unknown> =>
    ((properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
  return { ...variablesOf(template.Globals?.Function), ...variablesOf(getProperties(template, logicalId)) };
}

/** Every `AWS::Serverless::Function` built with esbuild, with its `Metadata.BuildProperties`. */
export function functionBuilds(template: Template): FunctionBuild[] {
  return resourcesOfType(template, 'AWS::Serverless::Function').flatMap((logicalId) => {
    const resource = getResource(template, logicalId);
    if (resource.Metadata?.BuildMethod !== 'esbuild') return [];
    const buildProperties = resource.Metadata.BuildProperties as BuildProperties | undefined;
    if (buildProperties === undefined || !Array.isArray(buildProperties.EntryPoints)) {
      throw new Error(`${logicalId} has BuildMethod esbuild but no Metadata.BuildProperties.EntryPoints`);
    }
    return [{ logicalId, handler: String(functionProperty(template, logicalId, 'Handler')), buildProperties }];
  });
}

/** How `resolveValue` answers the references it meets. */
export interface ResolveContext {
  /** Parameter values by name (defaults are taken from the template for the rest). */
  parameters?: Record<string, string>;
  /** `Ref` of a resource (or pseudo parameter such as `AWS::Region`). */
  ref?: (logicalId: string) => string;
  /** `Fn::GetAtt` of a resource. */
  getAtt?: (logicalId: string, attribute: string) => string;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'us-east-1',
  'AWS::Partition': 'aws',
  'AWS::StackName': 'genesys-events-pipeline',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Evaluates the intrinsic functions in `value` (Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or, Fn::Join, Fn::Select, Fn::Split, Condition) against parameter values and the
 * `ref`/`getAtt` answers in `context`. Pseudo parameters resolve to fixed placeholders unless `ref` answers them;
 * `AWS::NoValue` removes the property or list item that holds it, as CloudFormation does.
 * @throws Error on a reference nobody answers or an intrinsic it does not know.
 */
export function resolveValue(template: Template, value: unknown, context: ResolveContext = {}): unknown {
  const parameters = { ...parameterDefaults(template), ...context.parameters };
  const ref = (name: string): string | typeof NO_VALUE => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in parameters) return parameters[name] as string;
    if (template.Resources[name] !== undefined && context.ref) return context.ref(name);
    if (name in PSEUDO_PARAMETERS) return context.ref?.(name) ?? (PSEUDO_PARAMETERS[name] as string);
    throw new Error(`cannot resolve Ref ${name}`);
  };
  const getAtt = (logicalId: string, attribute: string): string => {
    if (context.getAtt === undefined) throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
    return context.getAtt(logicalId, attribute);
  };
  const condition = (name: string): boolean => {
    const definition = template.Conditions?.[name];
    if (definition === undefined) throw new Error(`template.yaml has no condition ${name}`);
    return Boolean(walk(definition));
  };
  const substitute = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (whole, literal: string, name: string) => {
      if (literal === '!') return `\${${name}}`;
      if (name in variables) return String(walk(variables[name]));
      const dot = name.indexOf('.');
      return dot < 0 ? String(ref(name)) : getAtt(name.slice(0, dot), name.slice(dot + 1));
    });

  function walk(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(walk).filter((item) => item !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    const [key, argument] = entries[0] ?? [];
    // An IAM statement's `Condition` is an object: only `{Condition: 'Name'}` is the intrinsic.
    const isIntrinsic = key === 'Ref' || key?.startsWith('Fn::') || (key === 'Condition' && typeof argument === 'string');
    if (entries.length === 1 && key !== undefined && isIntrinsic) {
      const args = argument as unknown[];
      switch (key) {
        case 'Ref':
          return ref(argument as string);
        case 'Condition':
          return condition(argument as string);
        case 'Fn::GetAtt':
          return getAtt(String(args[0]), String(args[1]));
        case 'Fn::Sub':
          return typeof argument === 'string'
            ? substitute(argument, {})
            : substitute(args[0] as string, (args[1] ?? {}) as Record<string, unknown>);
        case 'Fn::If':
          return condition(args[0] as string) ? walk(args[1]) : walk(args[2]);
        case 'Fn::Equals':
          return String(walk(args[0])) === String(walk(args[1]));
        case 'Fn::Not':
          return !walk(args[0]);
        case 'Fn::And':
          return args.every((item) => Boolean(walk(item)));
        case 'Fn::Or':
          return args.some((item) => Boolean(walk(item)));
        case 'Fn::Join':
          return (walk(args[1]) as unknown[]).join(args[0] as string);
        case 'Fn::Select':
          return (walk(args[1]) as unknown[])[Number(walk(args[0]))];
        case 'Fn::Split':
          return String(walk(args[1])).split(args[0] as string);
        default:
          throw new Error(`resolveValue does not know ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([name, item]) => [name, walk(item)]).filter(([, item]) => item !== NO_VALUE));
  }

  const resolved = walk(value);
  return resolved === NO_VALUE ? undefined : resolved;
}

/** What `Ref AWS::NoValue` resolves to while walking: dropped from the list or object that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** Whether a resource exists for the given parameters (its `Condition` holds, or it has none). */
export function isCreated(template: Template, logicalId: string, parameters: Record<string, string> = {}): boolean {
  const name = getResource(template, logicalId).Condition;
  return name === undefined || Boolean(resolveValue(template, { Condition: name }, { parameters }));
}

/** A placeholder ARN of the right shape for a resource, for validating a definition without a stack. */
export function placeholderArn(template: Template, logicalId: string): string {
  const type = getResource(template, logicalId).Type;
  const account = 'arn:aws:%s:us-east-1:123456789012';
  const arn = (service: string, rest: string): string => `${account.replace('%s', service)}:${rest}`;
  switch (type) {
    case 'AWS::Serverless::Function':
    case 'AWS::Lambda::Function':
      return arn('lambda', `function:${logicalId}`);
    case 'AWS::Serverless::StateMachine':
    case 'AWS::StepFunctions::StateMachine':
      return arn('states', `stateMachine:${logicalId}`);
    case 'AWS::SQS::Queue':
      return arn('sqs', logicalId);
    case 'AWS::DynamoDB::Table':
      return arn('dynamodb', `table/${logicalId}`);
    default:
      return arn(type.split('::')[1]?.toLowerCase() ?? 'unknown', logicalId);
  }
}

/** The `${Name}` placeholders a definition uses, in order of first use. */
export function substitutionNames(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] as string))];
}

/**
 * A state machine's DefinitionSubstitutions, resolved: by default every `Fn::GetAtt X.Arn` and `Ref`
 * of a resource answers with `placeholderArn`, so the definition can be validated or run locally.
 */
export function definitionSubstitutions(template: Template, logicalId: string, context: ResolveContext = {}): Record<string, string> {
  const raw = (getProperties(template, logicalId).DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  const resolved = resolveValue(template, raw, {
    ref: (id) => placeholderArn(template, id),
    getAtt: (id) => placeholderArn(template, id),
    ...context,
  }) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(resolved).map(([name, value]) => [name, String(value)]));
}

/**
 * Applies DefinitionSubstitutions to a definition's text, as SAM does before creating the state machine.
 * @throws Error naming a placeholder without a substitution.
 */
export function applySubstitutions(definition: string, substitutions: Record<string, string>): string {
  return definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`definition uses \${${name}} but DefinitionSubstitutions has no ${name}`);
    return value;
  });
}
