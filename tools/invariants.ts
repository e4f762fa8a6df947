/**
 * The configuration invariants of docs/design.md, as pure checks over the parsed template and ASL.
 * Each check returns the violations it finds (empty when the invariant holds), so `npm run validate`
 * can print them and tests can show each one catches a broken copy.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { redeliveryWindowSeconds } from '../functions/dispatcher/backoff.js';
import { DEADLINE_RESERVE_MS, recordBudgetMs } from '../functions/dispatcher/batch.js';
import { callBudgetMs, SECRET_READ_BUDGET } from '../functions/shared/aws-clients.js';
import { PROJECT_ROOT, functionEnvironment, functionProperty, getProperties, resolveValue, type Template } from '../template/index.js';

/** The logical ids the invariants are about (docs/contracts.md). */
export const IDS = {
  queue: 'EventsQueue',
  dispatcher: 'DispatcherFunction',
  processor: 'ProcessorFunction',
  stateMachine: 'ProcessEventStateMachine',
} as const;

/** The part of a Retry clause the checks read. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  MaxAttempts?: number;
  JitterStrategy?: string;
}

/** The part of an ASL state the checks read. */
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

/** Step Functions' own defaults for a retrier's fields. */
const RETRIER_DEFAULTS = { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 };

/** Errors raised by the platform rather than our code; the ASL may name them without ErrorName knowing them. */
export const PLATFORM_ERROR_PREFIXES = ['States.', 'Lambda.', 'Sandbox.'] as const;

/**
 * The actions of CloudWatch Logs' vended-log delivery, which Step Functions logging needs and which
 * support no resource-level permission: the one place `Resource: '*'` is allowed.
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** Reads the ASL file a state machine's DefinitionUri names. */
export function loadDefinition(template: Template, logicalId: string = IDS.stateMachine): AslDefinition {
  const uri = getProperties(template, logicalId).DefinitionUri;
  if (typeof uri !== 'string') throw new Error(`${logicalId} has no DefinitionUri file`);
  return JSON.parse(readFileSync(resolve(PROJECT_ROOT, uri), 'utf8')) as AslDefinition;
}

function numberOf(template: Template, value: unknown, what: string): number {
  const resolved = Number(resolveValue(template, value));
  if (!Number.isFinite(resolved)) throw new Error(`${what} is not a number: ${JSON.stringify(value)}`);
  return resolved;
}

function dispatcherTimeout(template: Template): number {
  return numberOf(template, functionProperty(template, IDS.dispatcher, 'Timeout'), `${IDS.dispatcher} Timeout`);
}

function visibilityTimeout(template: Template): number {
  return numberOf(template, getProperties(template, IDS.queue).VisibilityTimeout ?? 30, `${IDS.queue} VisibilityTimeout`);
}

/** The largest maxReceiveCount the template allows: the parameter's MaxValue, or the literal. */
export function maxReceiveCountLimit(template: Template): number | undefined {
  const redrive = getProperties(template, IDS.queue).RedrivePolicy as { maxReceiveCount?: unknown } | undefined;
  const count = redrive?.maxReceiveCount;
  if (count !== null && typeof count === 'object' && 'Ref' in count) {
    return template.Parameters?.[String(count.Ref)]?.MaxValue;
  }
  return count === undefined ? undefined : Number(count);
}

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

/** IDEMPOTENCY_EXPIRY_SECONDS ≥ the largest maxReceiveCount × VisibilityTimeout: the record outlives every redelivery. */
export function checkIdempotencyExpiry(template: Template): string[] {
  const expiry = numberOf(template, functionEnvironment(template, IDS.dispatcher).IDEMPOTENCY_EXPIRY_SECONDS, 'IDEMPOTENCY_EXPIRY_SECONDS');
  const receives = maxReceiveCountLimit(template);
  if (receives === undefined) return [`${IDS.queue} maxReceiveCount has no upper bound (give its parameter a MaxValue)`];
  const needed = receives * visibilityTimeout(template);
  return expiry >= needed
    ? []
    : [`IDEMPOTENCY_EXPIRY_SECONDS ${expiry} is less than maxReceiveCount ${receives} × VisibilityTimeout = ${needed}`];
}

/**
 * The Genesys outage (or refusing token endpoint, or 429 storm) the redeliveries must ride out without
 * parking anything: 10 minutes, whatever the jitter draws (docs/reliability.md, "Retry window").
 */
export const MIN_REDELIVERY_WINDOW_SECONDS = 600;

/** Every maxReceiveCount a deployer may choose: the parameter's allowed values or range, or the literal. */
export function maxReceiveCountChoices(template: Template): number[] {
  const redrive = getProperties(template, IDS.queue).RedrivePolicy as { maxReceiveCount?: unknown } | undefined;
  const count = redrive?.maxReceiveCount;
  if (count === null || typeof count !== 'object' || !('Ref' in count)) return [numberOf(template, count, `${IDS.queue} maxReceiveCount`)];
  const parameter = template.Parameters?.[String(count.Ref)];
  if (parameter?.AllowedValues !== undefined) return parameter.AllowedValues.map(Number);
  const min = parameter?.MinValue ?? 1;
  // Without a MaxValue the range is open: check as far as SQS allows (maxReceiveCount ≤ 1000).
  const max = parameter?.MaxValue ?? 1000;
  return Array.from({ length: max - min + 1 }, (_, index) => min + index);
}

/**
 * For every MaxReceiveCount a deployer may choose, the dispatcher's redelivery delays (RETRY_BASE/MAX_DELAY_SECONDS,
 * equal jitter) span at least MIN_REDELIVERY_WINDOW_SECONDS, and the longest window plus its workflows stays
 * within the idempotency expiry.
 */
export function checkRedeliveryWindow(template: Template): string[] {
  const environment = functionEnvironment(template, IDS.dispatcher);
  const curve = {
    baseSeconds: numberOf(template, environment.RETRY_BASE_DELAY_SECONDS, 'RETRY_BASE_DELAY_SECONDS'),
    maxSeconds: numberOf(template, environment.RETRY_MAX_DELAY_SECONDS, 'RETRY_MAX_DELAY_SECONDS'),
  };
  const expiry = numberOf(template, environment.IDEMPOTENCY_EXPIRY_SECONDS, 'IDEMPOTENCY_EXPIRY_SECONDS');
  const violations: string[] = [];
  for (const receives of maxReceiveCountChoices(template)) {
    const { min, max } = redeliveryWindowSeconds(receives, curve);
    if (min < MIN_REDELIVERY_WINDOW_SECONDS) {
      violations.push(
        `${receives} receives span as little as ${min} s of redelivery delays (RETRY_BASE_DELAY_SECONDS ${curve.baseSeconds}, ` +
          `RETRY_MAX_DELAY_SECONDS ${curve.maxSeconds}): less than the ${MIN_REDELIVERY_WINDOW_SECONDS} s outage the pipeline must ride out`,
      );
    }
    const longest = max + receives * dispatcherTimeout(template);
    if (longest > expiry) violations.push(`${receives} receives can span ${longest} s, beyond IDEMPOTENCY_EXPIRY_SECONDS ${expiry}`);
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

/**
 * Nothing that holds events is deleted or replaced by CloudFormation: every queue is retained on stack
 * deletion and on replacement (`sam delete`, a change that replaces it).
 */
export function checkEventsRetained(template: Template): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
    .flatMap(([queueId, resource]) =>
      (['DeletionPolicy', 'UpdateReplacePolicy'] as const)
        .filter((policy) => resource[policy] !== 'Retain')
        .map((policy) => `${queueId} holds events but its ${policy} is ${JSON.stringify(resource[policy] ?? 'Delete')}, not Retain`),
    );
}

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

/** An IAM statement as written in the template. */
interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

/** A statement written under `Fn::If`: each branch that is a statement (`AWS::NoValue` is none); else the statement itself. */
function conditionalBranches(statement: unknown): unknown[] {
  const branches = (statement as { 'Fn::If'?: unknown[] } | null)?.['Fn::If'];
  if (!Array.isArray(branches)) return [statement];
  const isNoValue = (branch: unknown): boolean => JSON.stringify(branch) === JSON.stringify({ Ref: 'AWS::NoValue' });
  return branches.slice(1).filter((branch) => !isNoValue(branch)).flatMap(conditionalBranches);
}

/** Every hand-written IAM statement, with where it comes from. */
export function iamStatements(template: Template): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  const fromDocument = (where: string, document: unknown): void => {
    const statements = (document as { Statement?: unknown } | undefined)?.Statement;
    for (const statement of (Array.isArray(statements) ? statements : statements === undefined ? [] : [statements]).flatMap(conditionalBranches)) {
      found.push({ where: `${where} ${(statement as Statement).Sid ?? ''}`.trim(), statement: statement as Statement });
    }
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::Serverless::Function' || resource.Type === 'AWS::Serverless::StateMachine') {
      const policies = properties.Policies;
      for (const policy of Array.isArray(policies) ? policies : policies === undefined ? [] : [policies]) {
        if (typeof policy === 'string') {
          found.push({ where: `${logicalId} managed policy ${policy}`, statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
        } else if (policy !== null && typeof policy === 'object' && 'Statement' in policy) {
          fromDocument(logicalId, policy);
        } else {
          // A SAM policy template ({LambdaInvokePolicy: {FunctionName: ...}}) is scoped by its parameters.
          for (const [name, parameters] of Object.entries(policy as Record<string, unknown>)) {
            const values = Object.values((parameters ?? {}) as Record<string, unknown>);
            found.push({ where: `${logicalId} ${name}`, statement: { Effect: 'Allow', Action: name, Resource: values.length ? values : '*' } });
          }
        }
      }
    }
    if (resource.Type === 'AWS::SQS::QueuePolicy' || resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      fromDocument(logicalId, properties.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (properties.Policies ?? []) as { PolicyDocument?: unknown }[]) fromDocument(logicalId, policy.PolicyDocument);
    }
  }
  return found;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/**
 * Every IAM statement names its resources and grants no wildcard action. `Resource: '*'` is allowed only
 * for the log-delivery actions. A Deny may use `service:*` (denying everything without TLS narrows, never grants).
 */
export function checkIamStatements(template: Template): string[] {
  const violations: string[] = [];
  for (const { where, statement } of iamStatements(template)) {
    const actions = list(statement.Action).map(String);
    const resources = list(statement.Resource);
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      violations.push(`${where}: NotAction/NotResource grant by exclusion`);
    }
    if (resources.length === 0) violations.push(`${where}: names no Resource`);
    if (statement.Effect !== 'Deny') {
      for (const action of actions.filter((item) => item.includes('*'))) violations.push(`${where}: grants wildcard action ${action}`);
    }
    if (resources.includes('*') && !actions.every((action) => (LOG_DELIVERY_ACTIONS as readonly string[]).includes(action))) {
      violations.push(`${where}: Resource '*' for ${actions.filter((a) => !(LOG_DELIVERY_ACTIONS as readonly string[]).includes(a)).join(', ')}`);
    }
  }
  return violations;
}

interface QueuePolicyStatement extends Statement {
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every queue policy statement that applies to a queue (logical id), by policy. */
function queuePolicyStatements(template: Template, queueId: string): { policy: string; statement: QueuePolicyStatement }[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::SQS::QueuePolicy')
    .filter(([, resource]) => list(resource.Properties?.Queues).some((queue) => JSON.stringify(queue) === JSON.stringify({ Ref: queueId })))
    .flatMap(([policy, resource]) =>
      list((resource.Properties?.PolicyDocument as { Statement?: unknown } | undefined)?.Statement).map((statement) => ({
        policy,
        statement: statement as QueuePolicyStatement,
      })),
    );
}

const isArnOf = (value: unknown, id: string): boolean => JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });

/** Every queue is encrypted at rest and denies every request not made over TLS. */
export function checkQueuesEncryptedAndTlsOnly(template: Template): string[] {
  const violations: string[] = [];
  for (const [queueId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::SQS::Queue') continue;
    const properties = resource.Properties ?? {};
    if (properties.SqsManagedSseEnabled !== true && properties.KmsMasterKeyId === undefined) violations.push(`${queueId} is not encrypted at rest`);
    const tls = queuePolicyStatements(template, queueId).some(
      ({ statement }) =>
        statement.Effect === 'Deny' &&
        statement.Principal === '*' &&
        list(statement.Action).includes('sqs:*') &&
        String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false',
    );
    if (!tls) violations.push(`${queueId} has no policy denying requests without TLS (aws:SecureTransport false)`);
  }
  return violations;
}

/**
 * Who may send to the queues: to EventsQueue only the rule (events.amazonaws.com, aws:SourceArn the
 * rule); to EventsDeadLetterQueue only the dispatcher's role (parking) besides SQS's own redrive; to
 * RuleDeadLetterQueue only the rule. No other Allow in a queue policy, no other function statement
 * granting sqs:SendMessage.
 */
export function checkQueueSenders(template: Template, rule = 'GenesysConversationEventsRule'): string[] {
  const violations: string[] = [];
  const onlyTheRule = (queueId: string): void => {
    for (const { policy, statement } of queuePolicyStatements(template, queueId)) {
      if (statement.Effect !== 'Allow') continue;
      const sendOnly = list(statement.Action).every((action) => action === 'sqs:SendMessage');
      const principal = JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' });
      const source = statement.Condition?.ArnEquals?.['aws:SourceArn'];
      if (!sendOnly || !principal || !isArnOf(source, rule)) {
        violations.push(`${policy} ${statement.Sid ?? ''}: allows more than ${rule} sending to ${queueId}`.replace('  ', ' '));
      }
    }
  };
  onlyTheRule('EventsQueue');
  onlyTheRule('RuleDeadLetterQueue');
  for (const { policy, statement } of queuePolicyStatements(template, 'EventsDeadLetterQueue')) {
    if (statement.Effect === 'Allow') violations.push(`${policy} ${statement.Sid ?? ''}: a queue policy lets others send to EventsDeadLetterQueue`);
  }
  for (const { where, statement } of iamStatements(template)) {
    if (statement.Effect !== 'Allow' || !list(statement.Action).some((action) => String(action) === 'sqs:SendMessage')) continue;
    if (where.endsWith('OnlyTheRuleSends')) continue;
    const resources = list(statement.Resource);
    const parksOnly = where.startsWith(`${IDS.dispatcher} `) && resources.length > 0 && resources.every((resource) => isArnOf(resource, 'EventsDeadLetterQueue'));
    if (!parksOnly) violations.push(`${where}: grants sqs:SendMessage on ${JSON.stringify(resources)}`);
  }
  return violations;
}

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
