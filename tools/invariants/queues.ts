/** The queue invariants: what holds events is retained, encrypted and TLS-only, and only the rule and the dispatcher send to it. */
import type { Template } from '../../template/index.js';
import { iamStatements, type Statement } from './iam.js';
import { IDS, list } from './values.js';

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
