/**
 * The timing invariants (docs/design.md): each timeout outlasts what it waits for, the workflow's retries fit
 * its timeout, and every AWS call fits its function's time.
 */
import { DEADLINE_RESERVE_MS, recordBudgetMs } from '../../functions/dispatcher/batch.js';
import { callBudgetMs, SECRET_READ_BUDGET } from '../../functions/shared/aws-clients.js';
import { functionEnvironment, functionProperty, type AslDefinition, type Retrier, type Template } from '../../template/index.js';
import { IDS, dispatcherTimeout, numberOf, visibilityTimeout } from './values.js';

/** Step Functions' own defaults for a retrier's fields. */
const RETRIER_DEFAULTS = { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 };

/** Every retrier's delays at their cap: IntervalSeconds × BackoffRate^n, clamped to MaxDelaySeconds (jitter only shortens). */
export function retryDelays(retrier: Retrier): number[] {
  const { IntervalSeconds, BackoffRate, MaxAttempts } = { ...RETRIER_DEFAULTS, ...retrier };
  return Array.from({ length: MaxAttempts }, (_, attempt) =>
    Math.min(IntervalSeconds * BackoffRate ** attempt, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY),
  );
}

/**
 * The longest an execution can take when every Task exhausts every retrier: each attempt runs its full
 * TimeoutSeconds and each retry waits its capped delay. Retriers count independently, so the worst case
 * is one first attempt plus every retrier's MaxAttempts, per Task.
 */
export function worstCaseRetrySeconds(asl: AslDefinition): number {
  return Object.values(asl.States)
    .filter((state) => state.Type === 'Task')
    .reduce((total, task) => {
      const retriers = task.Retry ?? [];
      const attempts = 1 + retriers.reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? RETRIER_DEFAULTS.MaxAttempts), 0);
      const delays = retriers.flatMap(retryDelays).reduce((sum, delay) => sum + delay, 0);
      return total + attempts * (task.TimeoutSeconds ?? Number.POSITIVE_INFINITY) + delays;
    }, 0);
}

/** EventsQueue VisibilityTimeout ≥ 6 × Dispatcher Timeout (Lambda's advice for SQS event sources). */
export function checkVisibilityTimeout(template: Template): string[] {
  const visibility = visibilityTimeout(template);
  const timeout = dispatcherTimeout(template);
  return visibility >= 6 * timeout
    ? []
    : [`${IDS.queue} VisibilityTimeout ${visibility} is less than 6 × ${IDS.dispatcher} Timeout ${timeout} = ${6 * timeout}`];
}

/** Dispatcher Timeout > the workflow's TimeoutSeconds, so StartSyncExecution always answers in time. */
export function checkDispatcherOutlastsWorkflow(template: Template, asl: AslDefinition): string[] {
  const timeout = dispatcherTimeout(template);
  if (asl.TimeoutSeconds === undefined) return ['the state machine has no TimeoutSeconds'];
  return timeout > asl.TimeoutSeconds
    ? []
    : [`${IDS.dispatcher} Timeout ${timeout} is not greater than the state machine TimeoutSeconds ${asl.TimeoutSeconds}`];
}

/** The dispatcher's WORKFLOW_TIMEOUT_SECONDS is the state machine's TimeoutSeconds: it decides when a workflow can still be started. */
export function checkWorkflowTimeoutKnown(template: Template, asl: AslDefinition): string[] {
  const variable = functionEnvironment(template, IDS.dispatcher).WORKFLOW_TIMEOUT_SECONDS;
  if (variable === undefined) return [`${IDS.dispatcher} has no WORKFLOW_TIMEOUT_SECONDS`];
  return Number(variable) === asl.TimeoutSeconds
    ? []
    : [`${IDS.dispatcher} WORKFLOW_TIMEOUT_SECONDS ${String(variable)} is not the state machine TimeoutSeconds ${asl.TimeoutSeconds}`];
}

/** Worst-case retry time < TimeoutSeconds ≤ 300 (an Express execution runs at most 5 minutes). */
export function checkRetryBudget(asl: AslDefinition): string[] {
  const violations: string[] = [];
  for (const [name, state] of Object.entries(asl.States)) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined) violations.push(`Task "${name}" has no TimeoutSeconds`);
  }
  if (asl.TimeoutSeconds === undefined) return [...violations, 'the state machine has no TimeoutSeconds'];
  if (asl.TimeoutSeconds > 300) violations.push(`TimeoutSeconds ${asl.TimeoutSeconds} exceeds an Express execution's 300 s`);
  const worst = worstCaseRetrySeconds(asl);
  if (!(worst < asl.TimeoutSeconds)) {
    violations.push(`worst-case retry time ${worst} s is not below TimeoutSeconds ${asl.TimeoutSeconds}`);
  }
  return violations;
}

/**
 * Every AWS call fits its function's time (functions/shared/aws-clients.ts): the dispatcher's Timeout holds a
 * record whose every call takes its whole budget, plus the reserve for handing records back at the deadline;
 * the processor's holds its secret read, a token request and a Genesys request.
 */
export function checkTimeBudgets(template: Template, asl: AslDefinition): string[] {
  const violations: string[] = [];
  if (asl.TimeoutSeconds !== undefined) {
    const needed = recordBudgetMs(asl.TimeoutSeconds) + DEADLINE_RESERVE_MS;
    const timeout = dispatcherTimeout(template) * 1000;
    if (timeout < needed) {
      violations.push(
        `${IDS.dispatcher} Timeout ${timeout / 1000} s is less than a record's budget with the workflow's ${asl.TimeoutSeconds} s ` +
          `(${recordBudgetMs(asl.TimeoutSeconds)} ms) plus the deadline reserve (${DEADLINE_RESERVE_MS} ms)`,
      );
    }
  }
  const processorTimeout = numberOf(template, functionProperty(template, IDS.processor, 'Timeout'), `${IDS.processor} Timeout`) * 1000;
  const requestTimeout = numberOf(template, functionEnvironment(template, IDS.processor).GENESYS_REQUEST_TIMEOUT_MS, 'GENESYS_REQUEST_TIMEOUT_MS');
  const processorNeeds = callBudgetMs(SECRET_READ_BUDGET) + 2 * requestTimeout;
  if (processorTimeout < processorNeeds) {
    violations.push(
      `${IDS.processor} Timeout ${processorTimeout / 1000} s is less than its secret read (${callBudgetMs(SECRET_READ_BUDGET)} ms), ` +
        `a token request and a Genesys request (GENESYS_REQUEST_TIMEOUT_MS ${requestTimeout} each): ${processorNeeds} ms`,
    );
  }
  return violations;
}
