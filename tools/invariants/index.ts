/**
 * The configuration invariants of docs/design.md, as pure checks over the parsed template and ASL, by subject:
 * timing (./timing.ts), the rate budget (./budget.ts), redelivery (./redelivery.ts), the ASL's error names (./asl.ts), IAM (./iam.ts) and the
 * queues (./queues.ts). Each check returns the violations it finds (empty when the invariant holds), so
 * `npm run validate` can print them and tests can show each one catches a broken copy.
 */
import type { AslDefinition, Template } from '../../template/index.js';
import { checkErrorNames } from './asl.js';
import { checkBudgetSizing } from './budget.js';
import { checkIamStatements } from './iam.js';
import { checkEventsRetained, checkQueueSenders, checkQueuesEncryptedAndTlsOnly } from './queues.js';
import { checkIdempotencyExpiry, checkRedeliveryWindow } from './redelivery.js';
import { checkDispatcherOutlastsWorkflow, checkRetryBudget, checkTimeBudgets, checkVisibilityTimeout, checkWorkflowTimeoutKnown } from './timing.js';

export { PLATFORM_ERROR_PREFIXES, aslErrorNames, checkErrorNames } from './asl.js';
export { GENESYS_REQUESTS_PER_MINUTE_LIMIT, checkBudgetSizing } from './budget.js';
export { LOG_DELIVERY_ACTIONS, checkIamStatements, iamStatements, type Statement } from './iam.js';
export { checkEventsRetained, checkQueueSenders, checkQueuesEncryptedAndTlsOnly } from './queues.js';
export { MIN_REDELIVERY_WINDOW_SECONDS, checkIdempotencyExpiry, checkRedeliveryWindow, maxReceiveCountChoices, maxReceiveCountLimit } from './redelivery.js';
export {
  checkDispatcherOutlastsWorkflow,
  checkRetryBudget,
  checkTimeBudgets,
  checkVisibilityTimeout,
  checkWorkflowTimeoutKnown,
  retryDelays,
  worstCaseRetrySeconds,
} from './timing.js';
export { IDS } from './values.js';

/** What the invariants read. */
export interface InvariantInputs {
  template: Template;
  asl: AslDefinition;
  errorNames: readonly string[];
  retriedErrors: readonly string[];
}

/** Every invariant by name, as the tests and `npm run validate` run them. */
export const INVARIANTS: Record<string, (inputs: InvariantInputs) => string[]> = {
  'visibility timeout covers 6 dispatcher timeouts': ({ template }) => checkVisibilityTimeout(template),
  'dispatcher outlasts the workflow': ({ template, asl }) => checkDispatcherOutlastsWorkflow(template, asl),
  'the dispatcher knows the workflow timeout': ({ template, asl }) => checkWorkflowTimeoutKnown(template, asl),
  'retries fit the workflow timeout': ({ asl }) => checkRetryBudget(asl),
  'idempotency outlives every redelivery': ({ template }) => checkIdempotencyExpiry(template),
  'redeliveries ride out a 10-minute outage': ({ template }) => checkRedeliveryWindow(template),
  'every AWS call fits its function\'s time': ({ template, asl }) => checkTimeBudgets(template, asl),
  'in-flight workflows, environments and the Genesys budget fit': ({ template }) => checkBudgetSizing(template),
  'nothing that holds events is deleted or replaced': ({ template }) => checkEventsRetained(template),
  'error names agree between ASL and code': ({ asl, errorNames, retriedErrors }) => checkErrorNames(asl, errorNames, retriedErrors),
  'IAM statements are scoped': ({ template }) => checkIamStatements(template),
  'queues are encrypted and TLS-only': ({ template }) => checkQueuesEncryptedAndTlsOnly(template),
  'only the rule sends to the queue, only the dispatcher parks': ({ template }) => checkQueueSenders(template),
};

/** Runs every invariant; the violations, prefixed by the invariant's name. */
export function checkInvariants(inputs: InvariantInputs): string[] {
  return Object.entries(INVARIANTS).flatMap(([name, check]) => check(inputs).map((violation) => `${name}: ${violation}`));
}
