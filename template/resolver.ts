/**
 * The local stack's resolver over template.yaml: parameter values (the template's defaults under the
 * run's overrides), conditions, and the physical ids of what the local stack created, answered to
 * `!Ref`/`!GetAtt` through template/index.ts's `resolveValue`, the evaluator the build and the
 * validation use too.
 */
import { parameterDefaults, resolveValue, type Template } from './index.js';

/** Raised when a value refers to a resource the local stack has not created (yet). */
export class NotCreatedError extends Error {
  override readonly name = 'NotCreatedError';
}

/** Physical values of a created resource, as `!Ref` and `!GetAtt` see them. */
export interface ResourceValues {
  ref: string;
  attributes?: Record<string, string>;
}

/** Pseudo parameters, as in moto's default account and region. */
const PSEUDO: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Evaluates template values against parameter values and the resources created so far. */
export class TemplateResolver {
  /** Every parameter value of this run, as CloudFormation passes them (strings). */
  readonly parameters: Record<string, string>;
  private readonly resources = new Map<string, ResourceValues>();

  constructor(
    readonly template: Template,
    overrides: Record<string, string | number> = {},
    readonly stackName = 'local',
  ) {
    this.parameters = { ...parameterDefaults(template), ...Object.fromEntries(Object.entries(overrides).map(([name, value]) => [name, String(value)])) };
  }

  /** Records what `!Ref logicalId` and `!GetAtt logicalId.X` answer. */
  setResource(logicalId: string, values: ResourceValues): void {
    this.resources.set(logicalId, values);
  }

  /** What was recorded for a logical id. */
  getResource(logicalId: string): ResourceValues | undefined {
    return this.resources.get(logicalId);
  }

  /** Whether a resource exists under this run's parameters (its `Condition` holds). */
  isCreated(logicalId: string): boolean {
    const condition = this.template.Resources[logicalId]?.Condition;
    return condition === undefined || this.resolve({ Condition: condition }) === true;
  }

  /**
   * Resolves intrinsics in a value.
   * @throws NotCreatedError when it refers to a resource not recorded yet.
   */
  resolve(value: unknown): unknown {
    return resolveValue(this.template, value, {
      parameters: this.parameters,
      ref: (name) => {
        if (name === 'AWS::StackName') return this.stackName;
        if (name in PSEUDO) return PSEUDO[name] as string;
        const values = this.resources.get(name);
        if (values === undefined) throw new NotCreatedError(`!Ref ${name}: not created locally (yet)`);
        return values.ref;
      },
      getAtt: (name, attribute) => {
        const value = this.resources.get(name)?.attributes?.[attribute];
        if (value === undefined) throw new NotCreatedError(`!GetAtt ${name}.${attribute}: not created locally (yet)`);
        return value;
      },
    });
  }

  /** Resolves a value that must come out as a string (numbers and booleans as CloudFormation passes them). */
  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
  }
}
