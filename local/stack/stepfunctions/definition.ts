/**
 * State machine definitions for the local Step Functions endpoint: read from the template's
 * `DefinitionUri`, `DefinitionSubstitutions` applied, and time-scaled for fast runs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  PROJECT_ROOT,
  applySubstitutions,
  definitionSubstitutions,
  getProperties,
  resourcesOfType,
  type ResolveContext,
  type Template,
} from '../../../template/index.js';
import type { TemplateResolver } from '../../../template/resolver.js';
import { localStateMachineArn } from '../provision.js';
import { scaledTimeoutSeconds } from '../../shared/time-scale.js';

/** One state machine the endpoint serves. */
export interface LocalStateMachine {
  name: string;
  arn: string;
  type: 'EXPRESS' | 'STANDARD';
  /** The definition as SAM would deploy it: substitutions applied, times as written. */
  definition: StateMachineDefinition;
}

/**
 * The template's `AWS::Serverless::StateMachine`s with their definitions. Substitutions resolve through
 * `context` (the provisioned resources); by default a `!GetAtt X.Arn` of a function is its local ARN.
 */
export function stateMachinesFromTemplate(template: Template, context: ResolveContext = {}, root = PROJECT_ROOT, rewriteSource?: DefinitionSourceRewrite): LocalStateMachine[] {
  return resourcesOfType(template, 'AWS::Serverless::StateMachine').map((logicalId) => {
    const properties = getProperties(template, logicalId);
    const uri = properties.DefinitionUri;
    if (typeof uri !== 'string') throw new Error(`${logicalId}: the local endpoint needs a DefinitionUri file (got ${JSON.stringify(uri)})`);
    const source = readFileSync(resolve(root, uri), 'utf8');
    const text = applySubstitutions(rewriteSource === undefined ? source : rewriteSource(logicalId, source), definitionSubstitutions(template, logicalId, context));
    return {
      name: logicalId,
      arn: localStateMachineArn(logicalId),
      type: properties.Type === 'STANDARD' ? 'STANDARD' : 'EXPRESS',
      definition: JSON.parse(text) as StateMachineDefinition,
    };
  });
}

/** Rewrites a definition file's text before SAM's substitutions apply, as `npm run actions` rewrites the file itself. */
export type DefinitionSourceRewrite = (logicalId: string, text: string) => string;

/** Rewrites a definition as SAM would deploy it, before time scaling (LocalStackOptions.transformDefinition). */
export type DefinitionTransform = (logicalId: string, definition: StateMachineDefinition) => StateMachineDefinition;

/** The state machines as the local stack deploys them: substitutions resolved against what it provisioned, then `transform`. */
export function provisionedStateMachines(resolver: TemplateResolver, transform?: DefinitionTransform, rewriteSource?: DefinitionSourceRewrite): LocalStateMachine[] {
  const context = {
    parameters: resolver.parameters,
    ref: (id: string) => resolver.resolveString({ Ref: id }),
    getAtt: (id: string, attribute: string) => resolver.resolveString({ 'Fn::GetAtt': [id, attribute] }),
  };
  const machines = stateMachinesFromTemplate(resolver.template, context, PROJECT_ROOT, rewriteSource);
  return transform === undefined ? machines : machines.map((machine) => ({ ...machine, definition: transform(machine.name, machine.definition) }));
}

/**
 * The pipeline's workflow: the template's one state machine.
 * @throws Error when the template has none or several, as the stack would not know which the dispatcher starts.
 */
export function workflowOf(machines: readonly LocalStateMachine[]): LocalStateMachine {
  const [workflow] = machines;
  if (workflow === undefined || machines.length > 1) {
    throw new Error(`template.yaml needs exactly one AWS::Serverless::StateMachine, found ${machines.map((machine) => machine.name).join(', ') || 'none'}`);
  }
  return workflow;
}

type States = StateMachineDefinition['States'];
type MutableState = Record<string, unknown> & { Type: string };

/** A Task without a timeout runs until the execution's own timeout in AWS; the library would stop it at 60 s. */
const NO_TASK_TIMEOUT_SECONDS = 99_999_999;

function scaleStates(states: States, timeScale: number, executionTimeout: number | undefined, floor: number | undefined): void {
  for (const state of Object.values(states) as MutableState[]) {
    if (state.Type === 'Task') {
      if (typeof state.TimeoutSeconds === 'number') state.TimeoutSeconds = scaledTimeoutSeconds(state.TimeoutSeconds, timeScale, floor);
      else if (state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = executionTimeout ?? NO_TASK_TIMEOUT_SECONDS;
    }
    if (state.Type === 'Wait' && typeof state.Seconds === 'number') state.Seconds /= timeScale;
    for (const retrier of (state.Retry ?? []) as Record<string, number | undefined>[]) {
      // The library computes IntervalSeconds × BackoffRate^attempt, caps at MaxDelaySeconds and applies full jitter itself.
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) / timeScale;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds /= timeScale;
    }
    for (const branch of (state.Branches ?? []) as { States: States }[]) scaleStates(branch.States, timeScale, executionTimeout, floor);
    for (const key of ['Iterator', 'ItemProcessor']) {
      const processor = state[key] as { States: States } | undefined;
      if (processor !== undefined) scaleStates(processor.States, timeScale, executionTimeout, floor);
    }
  }
}

/**
 * A copy of `definition` whose waits and retry intervals and caps are divided by `timeScale`, and whose
 * execution and task timeouts shrink as far as `scaledTimeoutSeconds` allows. Not valid ASL any more (fractions), so run it unvalidated after
 * validating the original.
 */
export function scaleDefinition(definition: StateMachineDefinition, timeScale: number, minTimeoutSeconds?: number): StateMachineDefinition {
  const copy = structuredClone(definition);
  if (copy.TimeoutSeconds !== undefined) copy.TimeoutSeconds = scaledTimeoutSeconds(copy.TimeoutSeconds, timeScale, minTimeoutSeconds);
  scaleStates(copy.States, timeScale, copy.TimeoutSeconds, minTimeoutSeconds);
  return copy;
}

/** Names of every Task state (nested ones included) with its Resource. */
export function taskStates(states: States): { name: string; resource: string }[] {
  return Object.entries(states).flatMap(([name, state]) => {
    const mutable = state as MutableState;
    const own = mutable.Type === 'Task' ? [{ name, resource: String(mutable.Resource) }] : [];
    const branches = ((mutable.Branches ?? []) as { States: States }[]).flatMap((branch) => taskStates(branch.States));
    const processors = ['Iterator', 'ItemProcessor'].flatMap((key) => {
      const processor = mutable[key] as { States: States } | undefined;
      return processor === undefined ? [] : taskStates(processor.States);
    });
    return [...own, ...branches, ...processors];
  });
}
