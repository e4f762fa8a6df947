/**
 * The local stack's resolver over template.yaml: one run's parameter values and pseudo parameters,
 * and the physical ids of what the local stack created, answered to `!Ref`/`!GetAtt` through
 * ./resolve.ts's `resolveValue`, the evaluator the build and the validation use too.
 */
import { isCreated, parameterValues, pseudoParameterValues, resolveValue, type PseudoParameters, type ResolveContext } from './resolve.js';
import type { Template } from './parse.js';

/** Raised when a value refers to a resource the local stack has not created (yet). */
export class NotCreatedError extends Error {
  override readonly name = 'NotCreatedError';
}

/** Physical values of a created resource, as `!Ref` and `!GetAtt` see them. */
export interface ResourceValues {
  ref: string;
  attributes?: Record<string, string>;
}

/** Evaluates template values against parameter values and the resources created so far. */
export class TemplateResolver {
  /** Every parameter value of this run, as CloudFormation passes them (strings). */
  readonly parameters: Record<string, string>;
  /** The pseudo parameters of this run: the defaults (moto's account and region) with this stack's name. */
  readonly pseudoParameters: PseudoParameters;
  /**
   * How `resolveValue` answers for this run, for callers that resolve through another function
   * (e.g. `definitionSubstitutions`); its `ref`/`getAtt` throw NotCreatedError for a resource not recorded yet.
   */
  readonly context: ResolveContext;
  private readonly resources = new Map<string, ResourceValues>();

  constructor(
    readonly template: Template,
    overrides: Record<string, string | number> = {},
    readonly stackName = 'local',
    pseudoParameters: Partial<PseudoParameters> = {},
  ) {
    this.parameters = parameterValues(template, overrides);
    this.pseudoParameters = pseudoParameterValues({ 'AWS::StackName': stackName, ...pseudoParameters });
    this.context = {
      parameters: this.parameters,
      pseudoParameters: this.pseudoParameters,
      ref: (name) => this.recorded(name, `!Ref ${name}`).ref,
      getAtt: (name, attribute) => {
        const value = this.recorded(name, `!GetAtt ${name}.${attribute}`).attributes?.[attribute];
        if (value === undefined) throw new NotCreatedError(`!GetAtt ${name}.${attribute}: not created locally (yet)`);
        return value;
      },
    };
  }

  private recorded(logicalId: string, reference: string): ResourceValues {
    const values = this.resources.get(logicalId);
    if (values === undefined) throw new NotCreatedError(`${reference}: not created locally (yet)`);
    return values;
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
    return isCreated(this.template, logicalId, this.parameters, this.pseudoParameters);
  }

  /**
   * Resolves intrinsics in a value.
   * @throws NotCreatedError when it refers to a resource not recorded yet.
   */
  resolve(value: unknown): unknown {
    return resolveValue(this.template, value, this.context);
  }

  /** Resolves a value that must come out as a string (numbers and booleans as CloudFormation passes them). */
  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
  }
}
