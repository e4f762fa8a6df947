import { readFileSync } from 'node:fs';
import { ErrorName, WORKFLOW_RETRIED_ERRORS } from '../../functions/shared/errors.js';
import { INVARIANTS, type InvariantInputs } from '../../tools/invariants/index.js';
import { TEMPLATE_PATH, loadDefinition, loadTemplate, type Template } from '../../template/index.js';

const committed: InvariantInputs = (() => {
  const template = loadTemplate();
  return { template, asl: loadDefinition(template), errorNames: Object.values(ErrorName), retriedErrors: WORKFLOW_RETRIED_ERRORS };
})();

type Statement = { Sid?: string; Effect?: string; Principal?: unknown; Action?: unknown; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };
const properties = (template: Template, id: string): Record<string, unknown> => template.Resources[id]!.Properties!;
const policy = (template: Template, id: string): Statement[] => (properties(template, id).PolicyDocument as { Statement: Statement[] }).Statement;
const functionStatements = (template: Template, id: string): Statement[] =>
  (properties(template, id).Policies as { Statement?: Statement[] }[]).flatMap((p) => p.Statement ?? []);

function violations(invariant: string, mutate: (template: Template) => void): string[] {
  const inputs = structuredClone(committed);
  mutate(inputs.template);
  return INVARIANTS[invariant]!(inputs);
}

describe('template security', () => {
  it.each(['queues are encrypted and TLS-only', 'only the rule sends to the queue, only the dispatcher parks', 'IAM statements are scoped'])('%s, as committed', (invariant) => {
    expect(INVARIANTS[invariant]!(committed)).toEqual([]);
  });

  it.each<[string, string, (t: Template) => void, RegExp]>([
    ['queues are encrypted and TLS-only', 'a queue without encryption', (t) => {
      delete properties(t, 'EventsDeadLetterQueue').SqsManagedSseEnabled;
    }, /EventsDeadLetterQueue is not encrypted/],
    ['queues are encrypted and TLS-only', 'a queue that accepts plain HTTP', (t) => {
      properties(t, 'EventsQueuePolicy').PolicyDocument = { Statement: policy(t, 'EventsQueuePolicy').filter((s) => s.Effect !== 'Deny') };
    }, /EventsQueue has no policy denying requests without TLS/],
    ['only the rule sends to the queue, only the dispatcher parks', 'EventsQueue open to any EventBridge rule', (t) => {
      delete policy(t, 'EventsQueuePolicy')[0]!.Condition;
    }, /EventsQueuePolicy OnlyTheRuleSends: allows more than GenesysConversationEventsRule/],
    ['only the rule sends to the queue, only the dispatcher parks', 'EventsQueue open to an account principal', (t) => {
      policy(t, 'EventsQueuePolicy').push({ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['EventsQueue', 'Arn'] } });
    }, /allows more than GenesysConversationEventsRule sending to EventsQueue/],
    ['only the rule sends to the queue, only the dispatcher parks', 'a queue policy letting others into the DLQ', (t) => {
      policy(t, 'EventsDeadLetterQueuePolicy').push({ Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['EventsDeadLetterQueue', 'Arn'] } });
    }, /EventsDeadLetterQueuePolicy Anyone: a queue policy lets others send to EventsDeadLetterQueue/],
    ['only the rule sends to the queue, only the dispatcher parks', 'the processor sending to the DLQ', (t) => {
      (properties(t, 'ProcessorFunction').Policies as { Statement: Statement[] }[])[0]!.Statement.push({ Sid: 'Park', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['EventsDeadLetterQueue', 'Arn'] } });
    }, /ProcessorFunction Park: grants sqs:SendMessage/],
    ['only the rule sends to the queue, only the dispatcher parks', 'the dispatcher sending to the EventsQueue', (t) => {
      functionStatements(t, 'DispatcherFunction').find((s) => s.Sid === 'ParkFailedMessages')!.Resource = [
        { 'Fn::GetAtt': ['EventsDeadLetterQueue', 'Arn'] },
        { 'Fn::GetAtt': ['EventsQueue', 'Arn'] },
      ];
    }, /DispatcherFunction ParkFailedMessages: grants sqs:SendMessage/],
  ])('%s: reports %s', (invariant, _description, mutate, expected) => {
    expect(violations(invariant, mutate)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it("explains every Resource '*' with a comment just above its statement", () => {
    const lines = readFileSync(TEMPLATE_PATH, 'utf8').split('\n');
    const wildcards = lines.flatMap((line, index) => (/^\s*Resource:\s*['"]\*['"]\s*$/.test(line) ? [index] : []));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const index of wildcards) {
      // Up to the statement's start ("- Sid"/"- Effect") and the comment lines right above it.
      let start = index;
      while (start > 0 && !/^\s*- (?:Sid|Effect):/.test(lines[start] ?? '')) start -= 1;
      expect({ line: index + 1, comment: /^\s*#/.test(lines[start - 1] ?? '') }).toEqual({ line: index + 1, comment: true });
    }
  });
});
