import { ErrorName, WORKFLOW_RETRIED_ERRORS } from '../../functions/shared/errors.js';
import { INVARIANTS, checkInvariants, worstCaseRetrySeconds, type InvariantInputs } from '../../tools/invariants/index.js';
import { loadDefinition, loadTemplate, type AslDefinition, type Retrier, type Template } from '../../template/index.js';

const committed: InvariantInputs = (() => {
  const template = loadTemplate();
  return { template, asl: loadDefinition(template), errorNames: Object.values(ErrorName), retriedErrors: WORKFLOW_RETRIED_ERRORS };
})();

/** A deep copy of the committed template and ASL, for a mutation to break. */
function brokenCopy(mutate: (template: Template, asl: AslDefinition) => void): InvariantInputs {
  const inputs = structuredClone(committed);
  mutate(inputs.template, inputs.asl);
  return inputs;
}

const properties = (template: Template, id: string): Record<string, unknown> => template.Resources[id]!.Properties!;
const dispatcherEnv = (template: Template): Record<string, unknown> =>
  (properties(template, 'DispatcherFunction').Environment as { Variables: Record<string, unknown> }).Variables;
const updateConversation = (asl: AslDefinition) => asl.States['Update conversation']!;
const retrierFor = (asl: AslDefinition, error: string): Retrier => updateConversation(asl).Retry!.find((r) => r.ErrorEquals.includes(error))!;
type Statement = { Sid?: string; Effect?: string; Action?: unknown; Resource?: unknown };
const policyStatements = (template: Template, id: string): Statement[] =>
  (properties(template, id).Policies as { Statement?: Statement[] }[]).flatMap((policy) => policy.Statement ?? []);
const statement = (template: Template, id: string, sid: string): Statement => policyStatements(template, id).find((s) => s.Sid === sid)!;

describe('configuration invariants', () => {
  it('hold for template.yaml and the ASL as committed', () => {
    expect(checkInvariants(committed)).toEqual([]);
  });

  it.each<[string, string, (template: Template, asl: AslDefinition) => void, RegExp]>([
    ['visibility timeout covers 6 dispatcher timeouts', 'VisibilityTimeout below 6 × the dispatcher timeout', (t) => {
      properties(t, 'EventsQueue').VisibilityTimeout = 900;
    }, /VisibilityTimeout 900 is less than 6 × DispatcherFunction Timeout 180/],
    ['dispatcher outlasts the workflow', 'a dispatcher timeout shorter than the workflow', (t) => {
      properties(t, 'DispatcherFunction').Timeout = 140;
    }, /Timeout 140 is not greater than the state machine TimeoutSeconds 150/],
    ['dispatcher outlasts the workflow', 'a workflow without TimeoutSeconds', (_, asl) => {
      delete asl.TimeoutSeconds;
    }, /no TimeoutSeconds/],
    ['the dispatcher knows the workflow timeout', 'a workflow timeout changed in the ASL only', (_, asl) => {
      asl.TimeoutSeconds = 120;
    }, /WORKFLOW_TIMEOUT_SECONDS 150 is not the state machine TimeoutSeconds 120/],
    ['the dispatcher knows the workflow timeout', 'no WORKFLOW_TIMEOUT_SECONDS', (t) => {
      delete dispatcherEnv(t).WORKFLOW_TIMEOUT_SECONDS;
    }, /DispatcherFunction has no WORKFLOW_TIMEOUT_SECONDS/],
    ['retries fit the workflow timeout', 'more retries than the timeout holds', (_, asl) => {
      retrierFor(asl, 'Genesys.RateLimited').MaxAttempts = 6;
    }, /worst-case retry time \d+ s is not below TimeoutSeconds 150/],
    ['retries fit the workflow timeout', 'a steep backoff without MaxDelaySeconds', (_, asl) => {
      delete retrierFor(asl, 'Genesys.Unavailable').MaxDelaySeconds;
      retrierFor(asl, 'Genesys.Unavailable').BackoffRate = 10;
    }, /worst-case retry time 157 s/],
    ['retries fit the workflow timeout', 'a Task without TimeoutSeconds', (_, asl) => {
      delete updateConversation(asl).TimeoutSeconds;
    }, /Task "Update conversation" has no TimeoutSeconds/],
    ['retries fit the workflow timeout', 'a TimeoutSeconds beyond an Express execution', (_, asl) => {
      asl.TimeoutSeconds = 301;
    }, /exceeds an Express execution's 300 s/],
    ['idempotency outlives every redelivery', 'an expiry shorter than the redeliveries', (t) => {
      dispatcherEnv(t).IDEMPOTENCY_EXPIRY_SECONDS = '3600';
    }, /IDEMPOTENCY_EXPIRY_SECONDS 3600 is less than maxReceiveCount 6 × VisibilityTimeout = 6480/],
    ['idempotency outlives every redelivery', 'a MaxReceiveCount allowed above the expiry', (t) => {
      t.Parameters!.MaxReceiveCount!.MaxValue = 10;
    }, /maxReceiveCount 10/],
    ['idempotency outlives every redelivery', 'a MaxReceiveCount without an upper bound', (t) => {
      delete t.Parameters!.MaxReceiveCount!.MaxValue;
    }, /no upper bound/],
    ['redeliveries ride out a 10-minute outage', 'the 10 s base the first template had', (t) => {
      dispatcherEnv(t).RETRY_BASE_DELAY_SECONDS = '10';
    }, /5 receives span as little as 75 s of redelivery delays .*less than the 600 s outage/],
    ['redeliveries ride out a 10-minute outage', 'a cap that keeps every delay short', (t) => {
      dispatcherEnv(t).RETRY_MAX_DELAY_SECONDS = '60';
    }, /span as little as \d+ s/],
    ['redeliveries ride out a 10-minute outage', 'delays that outlast the idempotency record', (t) => {
      dispatcherEnv(t).RETRY_BASE_DELAY_SECONDS = '900';
      dispatcherEnv(t).RETRY_MAX_DELAY_SECONDS = '3600';
    }, /6 receives can span \d+ s, beyond IDEMPOTENCY_EXPIRY_SECONDS 7200/],
    ['redeliveries ride out a 10-minute outage', 'a MaxReceiveCount a deployer may set too low (the first template allowed 1)', (t) => {
      t.Parameters!.MaxReceiveCount!.MinValue = 1;
    }, /^1 receives span as little as 0 s/],
    ['redeliveries ride out a 10-minute outage', 'an allowed value of 4 among others', (t) => {
      t.Parameters!.MaxReceiveCount!.AllowedValues = [4, 5];
    }, /^4 receives span as little as 420 s/],
    ['every AWS call fits its function\'s time', 'a dispatcher timeout that leaves no room to hand records back at the deadline', (t) => {
      properties(t, 'DispatcherFunction').Timeout = 165;
    }, /DispatcherFunction Timeout 165 s is less than a record's budget with the workflow's 150 s \(\d+ ms\) plus the deadline reserve/],
    ['every AWS call fits its function\'s time', 'a Genesys request timeout the processor cannot hold twice', (t) => {
      (properties(t, 'ProcessorFunction').Environment as { Variables: Record<string, unknown> }).Variables.GENESYS_REQUEST_TIMEOUT_MS = '5000';
    }, /ProcessorFunction Timeout 10 s is less than its secret read/],
    ['in-flight workflows, environments and the Genesys budget fit', 'more workflows in flight than a shared budget can serve in a processor invocation', (t) => {
      t.Parameters!.MaximumConcurrency!.Default = 4;
    }, /per client, the last of 40 workflows in flight .* waits 8080 ms for the shared budget of 300 a minute/],
    ['in-flight workflows, environments and the Genesys budget fit', 'a budget so small one spacing outlasts the invocation', (t) => {
      t.Parameters!.GenesysRequestsPerMinute!.Default = 6;
    }, /one request every 10100 ms \(GenesysRequestsPerMinute 6\)/],
    ['in-flight workflows, environments and the Genesys budget fit', "a budget above Genesys' own", (t) => {
      t.Parameters!.GenesysRequestsPerMinute!.MaxValue = 600;
    }, /GenesysRequestsPerMinute allows 600, more than Genesys' 300/],
    ['nothing that holds events is deleted or replaced', 'a dead-letter queue deleted with the stack', (t) => {
      delete t.Resources.EventsDeadLetterQueue!.DeletionPolicy;
    }, /EventsDeadLetterQueue holds events but its DeletionPolicy is "Delete", not Retain/],
    ['nothing that holds events is deleted or replaced', 'a queue replaced on update', (t) => {
      t.Resources.EventsQueue!.UpdateReplacePolicy = 'Delete';
    }, /EventsQueue holds events but its UpdateReplacePolicy is "Delete"/],
    ['IAM statements are scoped', 'a conditional statement without a Resource', (t) => {
      const conditional = policyStatements(t, 'ProcessorFunction').find((s) => 'Fn::If' in s) as unknown as { 'Fn::If': [string, Statement, unknown] };
      delete conditional['Fn::If'][1].Resource;
    }, /TakeSharedRateBudgetSlots: names no Resource/],
    ['error names agree between ASL and code', 'an error name the code does not define', (_, asl) => {
      retrierFor(asl, 'Genesys.RateLimited').ErrorEquals = ['Genesys.Throttled'];
    }, /names error Genesys.Throttled, which functions\/shared\/errors.ts does not define/],
    ['error names agree between ASL and code', 'a retried error without a retrier', (_, asl) => {
      updateConversation(asl).Retry = updateConversation(asl).Retry!.filter((r) => !r.ErrorEquals.includes('Genesys.NotFound'));
    }, /WORKFLOW_RETRIED_ERRORS has Genesys.NotFound but no retrier names it/],
    ['error names agree between ASL and code', 'a retrier on a never-retried error', (_, asl) => {
      updateConversation(asl).Retry!.push({ ErrorEquals: ['Genesys.Forbidden'], MaxAttempts: 1 });
    }, /retries Genesys.Forbidden/],
    ['error names agree between ASL and code', 'a catch-all retrier', (_, asl) => {
      updateConversation(asl).Retry!.push({ ErrorEquals: ['States.ALL'], MaxAttempts: 1 });
    }, /retries States.ALL/],
    ['IAM statements are scoped', 'a wildcard action', (t) => {
      statement(t, 'DispatcherFunction', 'IdempotencyRecords').Action = 'dynamodb:*';
    }, /DispatcherFunction IdempotencyRecords: grants wildcard action dynamodb:\*/],
    ['IAM statements are scoped', "Resource '*' outside log delivery", (t) => {
      statement(t, 'DispatcherFunction', 'StartWorkflow').Resource = '*';
    }, /StartWorkflow: Resource '\*' for states:StartSyncExecution/],
    ['IAM statements are scoped', 'a statement without a Resource', (t) => {
      delete statement(t, 'ProcessorFunction', 'ReadGenesysClientCredentials').Resource;
    }, /ReadGenesysClientCredentials: names no Resource/],
    ['IAM statements are scoped', "a policy template scoped to '*'", (t) => {
      (properties(t, 'ProcessEventStateMachine').Policies as unknown[])[0] = { LambdaInvokePolicy: { FunctionName: '*' } };
    }, /ProcessEventStateMachine LambdaInvokePolicy: Resource '\*'/],
    ['IAM statements are scoped', 'a managed policy', (t) => {
      (properties(t, 'ProcessorFunction').Policies as unknown[]).push('AmazonSQSFullAccess');
    }, /managed policy AmazonSQSFullAccess/],
    ['IAM statements are scoped', 'a queue policy that allows every SQS action', (t) => {
      const document = properties(t, 'EventsQueuePolicy').PolicyDocument as { Statement: Statement[] };
      document.Statement[0]!.Action = 'sqs:*';
    }, /EventsQueuePolicy OnlyTheRuleSends: grants wildcard action sqs:\*/],
  ])('%s: reports %s', (invariant, _description, mutate, expected) => {
    const violations = INVARIANTS[invariant]!(brokenCopy(mutate));
    expect(violations).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('allows Resource * only for the log-delivery actions, and a Deny to name service:*', () => {
    expect(INVARIANTS['IAM statements are scoped']!(committed)).toEqual([]);
  });
});

describe('worst-case retry time', () => {
  const task = (retry: Retrier[]): AslDefinition => ({
    StartAt: 'T',
    TimeoutSeconds: 100,
    States: { T: { Type: 'Task', TimeoutSeconds: 10, Retry: retry, End: true } },
  });

  it('counts every attempt at the task timeout plus every delay at its cap', () => {
    // 1 + 3 + 1 attempts × 10 s; delays 2, 4, 5 (capped) and 1.
    const asl = task([
      { ErrorEquals: ['A'], IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 5, MaxAttempts: 3 },
      { ErrorEquals: ['B'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 1 },
    ]);
    expect(worstCaseRetrySeconds(asl)).toBe(5 * 10 + 2 + 4 + 5 + 1);
  });

  it('uses Step Functions defaults for omitted fields (3 attempts, 1 s, rate 2)', () => {
    expect(worstCaseRetrySeconds(task([{ ErrorEquals: ['A'] }]))).toBe(4 * 10 + 1 + 2 + 4);
  });
});
