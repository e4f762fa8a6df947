/**
 * The local stack's view of template.yaml: the template loaded with its CloudFormation tags in their
 * JSON form (`!Ref X` → `{Ref: 'X'}`), parameter values, conditions, and a resolver for the intrinsic
 * functions the local stack meets. Settings are read from here, never copied.
 */
import { readFile } from 'node:fs/promises';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';

/** A CloudFormation template in JSON form. */
export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Globals?: { Function?: Record<string, unknown> };
  Resources: Record<string, CfnResource>;
}

/** One resource of the template. */
export interface CfnResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'And', 'Equals', 'If', 'Not', 'Or', 'Transform', 'ToJsonString', 'Length'];

function cfnTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [
    { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
    { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
    // `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`.
    { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)] }) },
    { tag: '!GetAtt', collection: 'seq', resolve: (value) => ({ 'Fn::GetAtt': (value as { toJSON(): unknown }).toJSON() }) },
  ];
  for (const name of FUNCTIONS) {
    tags.push({ tag: `!${name}`, resolve: (value: string) => ({ [`Fn::${name}`]: value }) });
    tags.push({ tag: `!${name}`, collection: 'seq', resolve: (value) => ({ [`Fn::${name}`]: (value as { toJSON(): unknown }).toJSON() }) });
    tags.push({ tag: `!${name}`, collection: 'map', resolve: (value) => ({ [`Fn::${name}`]: (value as { toJSON(): unknown }).toJSON() }) });
  }
  return tags;
}

/** Parses template YAML text with CloudFormation's short-form tags. */
export function parseTemplate(text: string): CfnTemplate {
  return parse(text, { customTags: cfnTags(), uniqueKeys: false }) as CfnTemplate;
}

/** Reads and parses a template file. */
export async function readTemplate(path: string): Promise<CfnTemplate> {
  return parseTemplate(await readFile(path, 'utf8'));
}

/** Raised for an intrinsic the local resolver cannot evaluate. */
export class TemplateResolutionError extends Error {
  override readonly name = 'TemplateResolutionError';
}

/** Physical values of created resources, as `!Ref` and `!GetAtt` see them. */
export interface ResourceValues {
  ref: string;
  attributes?: Record<string, string>;
}

/**
 * Evaluates intrinsic functions over parameter values, conditions and the resources created so far.
 * Pseudo parameters answer as in us-east-1 for account 123456789012 (moto's default account).
 */
export class TemplateResolver {
  readonly parameters: Record<string, string>;
  private readonly resources = new Map<string, ResourceValues>();

  constructor(
    readonly template: CfnTemplate,
    overrides: Record<string, string | number> = {},
    readonly pseudo: Record<string, string> = {},
  ) {
    this.parameters = {};
    for (const [name, definition] of Object.entries(template.Parameters ?? {})) {
      const value = overrides[name] ?? definition.Default;
      if (value !== undefined) this.parameters[name] = String(value);
    }
    for (const [name, value] of Object.entries(overrides)) this.parameters[name] = String(value);
    this.pseudo = {
      'AWS::Region': 'us-east-1',
      'AWS::AccountId': '123456789012',
      'AWS::Partition': 'aws',
      'AWS::StackName': 'local',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NoValue': '',
      ...pseudo,
    };
  }

  /** Records what `!Ref name` and `!GetAtt name.attr` resolve to. */
  setResource(logicalId: string, values: ResourceValues): void {
    this.resources.set(logicalId, values);
  }

  /** Whether a resource is created under its `Condition` (if any). */
  isCreated(logicalId: string): boolean {
    const condition = this.template.Resources[logicalId]?.Condition;
    return condition === undefined || this.condition(condition);
  }

  /** Evaluates a named condition. */
  condition(name: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new TemplateResolutionError(`condition ${name} is not defined`);
    return Boolean(this.resolve(definition));
  }

  /** The resolved value of a template value: intrinsics evaluated, everything else as is. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::'))) {
      return this.intrinsic(key, argument);
    }
    return Object.fromEntries(entries.map(([name, item]) => [name, this.resolve(item)]));
  }

  /** Resolves a value that must come out as a string (numbers as CloudFormation passes them). */
  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new TemplateResolutionError(`expected a string, got ${JSON.stringify(resolved)}`);
  }

  private ref(name: string): string {
    if (name in this.pseudo) return this.pseudo[name] as string;
    if (name in this.parameters) return this.parameters[name] as string;
    const resource = this.resources.get(name);
    if (resource !== undefined) return resource.ref;
    throw new TemplateResolutionError(`!Ref ${name}: no parameter value and no created resource of that name`);
  }

  private getAtt(name: string, attribute: string): string {
    const value = this.resources.get(name)?.attributes?.[attribute];
    if (value === undefined) throw new TemplateResolutionError(`!GetAtt ${name}.${attribute}: not known locally`);
    return value;
  }

  private intrinsic(key: string, argument: unknown): unknown {
    switch (key) {
      case 'Ref':
        return this.ref(String(argument));
      case 'Condition':
        return this.condition(String(argument));
      case 'Fn::GetAtt': {
        const [name, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/s);
        return this.getAtt(String(name), String(attribute));
      }
      case 'Fn::Sub':
        return this.sub(argument);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.resolve(this.condition(condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [left, right] = (argument as unknown[]).map((item) => this.resolve(item));
        return String(left) === String(right);
      }
      case 'Fn::Not':
        return !(this.resolve((argument as unknown[])[0]) as boolean);
      case 'Fn::And':
        return (argument as unknown[]).every((item) => this.resolve(item) === true);
      case 'Fn::Or':
        return (argument as unknown[]).some((item) => this.resolve(item) === true);
      case 'Fn::Join': {
        const [separator, items] = argument as [string, unknown];
        return (this.resolve(items) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = argument as [unknown, unknown];
        return (this.resolve(items) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return this.resolveString(source).split(separator);
      }
      default:
        throw new TemplateResolutionError(`${key} is not supported by the local resolver`);
    }
  }

  private sub(argument: unknown): string {
    const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_match, expression: string) => {
      const name = expression.trim();
      if (variables[name] !== undefined) return this.resolveString(variables[name]);
      if (name.includes('.')) {
        const dot = name.indexOf('.');
        return this.getAtt(name.slice(0, dot), name.slice(dot + 1));
      }
      return this.ref(name);
    });
  }
}

/** Logical ids of the resources of one type, in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId]) => logicalId);
}
