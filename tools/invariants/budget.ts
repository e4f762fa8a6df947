/**
 * The rate budget's invariant (docs/operations.md, "Sizing"): at the template's defaults, the workflows in flight,
 * the processor environments they run in and the Genesys budget fit one another in either scope.
 */
import { callBudgetMs } from '../../functions/shared/aws-clients.js';
import { WINDOW_MARGIN, WINDOW_MS } from '../../functions/shared/genesys/rate-limiter.js';
import { BUDGET_CALL_BUDGET } from '../../functions/shared/genesys/shared-budget.js';
import { functionEnvironment, functionProperty, type Template } from '../../template/index.js';
import { IDS, numberOf } from './values.js';

/** Genesys' published limit: 300 requests a minute (per token, or per client if that is how it counts). */
export const GENESYS_REQUESTS_PER_MINUTE_LIMIT = 300;

function parameter(template: Template, name: string): { Default?: unknown; MaxValue?: unknown } {
  return (template.Parameters?.[name] ?? {}) as { Default?: unknown; MaxValue?: unknown };
}

/**
 * In flight, at most MaximumConcurrency × BatchSize workflows, each running the processor in an environment of its own.
 * Per token, each environment paces itself: one spacing (60 s / budget) must fit what a processor invocation may wait.
 * Per client, every in-flight workflow queues for the one budget: the last of them waits in-flight × spacing, which
 * must fit too, or at full load the processor gives up (Genesys.RateLimited) before its turn and the workflow retries.
 * The budget may never exceed Genesys' own.
 */
export function checkBudgetSizing(template: Template): string[] {
  const value = (name: string): number => numberOf(template, parameter(template, name).Default, `${name} Default`);
  const inFlight = value('MaximumConcurrency') * value('BatchSize');
  const budget = value('GenesysRequestsPerMinute');
  const processorTimeoutMs = numberOf(template, functionProperty(template, IDS.processor, 'Timeout'), `${IDS.processor} Timeout`) * 1000;
  const requestTimeoutMs = numberOf(template, functionEnvironment(template, IDS.processor).GENESYS_REQUEST_TIMEOUT_MS, 'GENESYS_REQUEST_TIMEOUT_MS');
  const waitMs = processorTimeoutMs - requestTimeoutMs - 2 * callBudgetMs(BUDGET_CALL_BUDGET);
  const spacingMs = (WINDOW_MS * (1 + WINDOW_MARGIN)) / budget;
  const violations: string[] = [];
  const most = Number(parameter(template, 'GenesysRequestsPerMinute').MaxValue);
  if (!(most <= GENESYS_REQUESTS_PER_MINUTE_LIMIT)) violations.push(`GenesysRequestsPerMinute allows ${most}, more than Genesys' ${GENESYS_REQUESTS_PER_MINUTE_LIMIT} a minute`);
  if (spacingMs > waitMs) violations.push(`one request every ${Math.round(spacingMs)} ms (GenesysRequestsPerMinute ${budget}) is longer than a processor invocation may wait (${waitMs} ms)`);
  if (inFlight * spacingMs > waitMs) {
    violations.push(
      `per client, the last of ${inFlight} workflows in flight (MaximumConcurrency × BatchSize) waits ${Math.round(inFlight * spacingMs)} ms for the shared budget of ` +
        `${budget} a minute, longer than a processor invocation may wait (${waitMs} ms: its Timeout less a Genesys request and the budget's calls)`,
    );
  }
  return violations;
}
