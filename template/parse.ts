/**
 * Reads template.yaml as plain data, for the build, the validation, the tests and the local stack,
 * so every one of them takes its settings from the one file SAM deploys.
 *
 * CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub '...'`) become their long-form
 * objects (`{Ref: 'X'}`, `{'Fn::GetAtt': ['A', 'B']}`, `{'Fn::Sub': '...'}`), exactly as
 * CloudFormation itself reads them; the getters answer what SAM would (Globals under the function's own).
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
