/** The ASL invariant: the error names of the state machine and of the code agree, and retries stay with what the code retries. */
import type { AslDefinition, Retrier } from '../../template/index.js';

/** Errors raised by the platform rather than our code; the ASL may name them without ErrorName knowing them. */
export const PLATFORM_ERROR_PREFIXES = ['States.', 'Lambda.', 'Sandbox.'] as const;

function retriers(asl: AslDefinition): { state: string; retrier: Retrier }[] {
  return Object.entries(asl.States).flatMap(([state, definition]) => (definition.Retry ?? []).map((retrier) => ({ state, retrier })));
}

/** Every error name the ASL mentions (Retry, Catch, Fail Error). */
export function aslErrorNames(asl: AslDefinition): string[] {
  const names = Object.values(asl.States).flatMap((state) => [
    ...(state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals),
    ...(state.Catch ?? []).flatMap((catcher) => catcher.ErrorEquals),
    ...(typeof state.Error === 'string' ? [state.Error] : []),
  ]);
  return [...new Set(names)];
}

const isPlatformError = (name: string): boolean => PLATFORM_ERROR_PREFIXES.some((prefix) => name.startsWith(prefix));

/**
 * Every error name in the ASL exists in the code (or is a platform error); every error the code says
 * the workflow retries has a retrier; and no retrier catches more than those and platform errors
 * (no States.ALL / States.TaskFailed, which would retry Genesys.Forbidden and friends).
 */
export function checkErrorNames(asl: AslDefinition, errorNames: readonly string[], retriedErrors: readonly string[]): string[] {
  const violations = aslErrorNames(asl)
    .filter((name) => !errorNames.includes(name) && !isPlatformError(name))
    .map((name) => `the ASL names error ${name}, which functions/shared/errors.ts does not define`);
  const retried = new Set(retriers(asl).flatMap(({ retrier }) => retrier.ErrorEquals));
  for (const name of retriedErrors) {
    if (!retried.has(name)) violations.push(`WORKFLOW_RETRIED_ERRORS has ${name} but no retrier names it`);
  }
  for (const { state, retrier } of retriers(asl)) {
    for (const name of retrier.ErrorEquals) {
      if (name === 'States.ALL' || name === 'States.TaskFailed' || (!retriedErrors.includes(name) && !isPlatformError(name))) {
        violations.push(`"${state}" retries ${name}, which the code never retries in the workflow`);
      }
    }
  }
  return violations;
}
