/**
 * Reads a state machine's ASL as SAM deploys it: the file its `DefinitionUri` names, and its
 * `DefinitionSubstitutions` resolved and applied (placeholder ARNs when there is no stack).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT, getProperties, getResource, resourcesOfType, type Template } from './parse.js';
import { DEFAULT_PSEUDO_PARAMETERS, resolveValue, type ResolveContext } from './resolve.js';

/** The part of a Retry clause the project reads (the invariants, the tests). */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  MaxAttempts?: number;
  JitterStrategy?: string;
}

/** The part of an ASL state the project reads. */
export interface AslState {
  Type: string;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Error?: string;
  [key: string]: unknown;
}

/** A state machine definition (JSONPath). */
export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
  [key: string]: unknown;
}

/** The ASL file a state machine's `DefinitionUri` names (absolute); undefined for an inline or S3 definition. */
export function definitionFile(template: Template, logicalId: string, root: string = PROJECT_ROOT): string | undefined {
  const uri = getProperties(template, logicalId).DefinitionUri;
  return typeof uri === 'string' ? resolve(root, uri) : undefined;
}

/**
 * The logical id of the template's one state machine.
 * @throws Error when it has none or several (then name the one you mean).
 */
export function soleStateMachine(template: Template): string {
  const ids = resourcesOfType(template, 'AWS::Serverless::StateMachine');
  if (ids.length !== 1) throw new Error(`template.yaml has ${ids.length} state machines (${ids.join(', ')}): name one`);
  return ids[0] as string;
}

/**
 * Reads the ASL file of a state machine (by default the template's one), as written: substitutions not applied.
 * @throws Error when its definition is not a file.
 */
export function loadDefinition(template: Template, logicalId: string = soleStateMachine(template)): AslDefinition {
  const path = definitionFile(template, logicalId);
  if (path === undefined) throw new Error(`${logicalId} has no DefinitionUri file`);
  return JSON.parse(readFileSync(path, 'utf8')) as AslDefinition;
}

/** A placeholder ARN of the right shape for a resource, for validating a definition without a stack. */
export function placeholderArn(template: Template, logicalId: string): string {
  const type = getResource(template, logicalId).Type;
  const { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': account } = DEFAULT_PSEUDO_PARAMETERS;
  const arn = (service: string, rest: string): string => `arn:${partition}:${service}:${region}:${account}:${rest}`;
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
