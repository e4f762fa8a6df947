/**
 * Checks of the translated template for what moto does not create or keeps wrong: the properties a deployed
 * resource would have in AWS, and the references between resources that only CloudFormation would resolve.
 */
import type { Template, TemplateResource } from '../../template/index.js';
import type { Findings } from './compare.js';

type Properties = Record<string, unknown>;
type StaticCheck = (findings: Findings, resource: TemplateResource, template: Template) => void;

/** The logical id an intrinsic `{Ref: X}` or `{Fn::GetAtt: [X, A]}` names, and the attribute. */
function referenceOf(value: unknown): { logicalId: string; attribute?: string } | undefined {
  const node = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null;
  if (typeof node?.Ref === 'string') return { logicalId: node.Ref };
  const getAtt = node?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return { logicalId: getAtt[0], attribute: String(getAtt[1]) };
  return undefined;
}

const typeOf = (template: Template, logicalId: string | undefined): string | undefined => (logicalId === undefined ? undefined : template.Resources[logicalId]?.Type);

/** Every rule target (or target's dead-letter queue) that is `queue`: the rules that send to it. */
function rulesSendingTo(template: Template, queue: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
    .filter(([, resource]) =>
      ((resource.Properties?.Targets ?? []) as Properties[]).some(
        (target) => referenceOf(target.Arn)?.logicalId === queue || referenceOf((target.DeadLetterConfig as Properties | undefined)?.Arn)?.logicalId === queue,
      ),
    )
    .map(([logicalId]) => logicalId);
}

/** The metric namespaces of the alarms and the resource type each one's dimension names. */
const DIMENSION_TYPES: Record<string, { dimension: string; type: string; attribute?: string }> = {
  'AWS/SQS': { dimension: 'QueueName', type: 'AWS::SQS::Queue', attribute: 'QueueName' },
  'AWS/Lambda': { dimension: 'FunctionName', type: 'AWS::Lambda::Function' },
  'AWS/States': { dimension: 'StateMachineArn', type: 'AWS::StepFunctions::StateMachine' },
};

export const STATIC_CHECKS: Record<string, { what: string; check: StaticCheck }> = {
  'AWS::Lambda::Function': {
    what: 'Architectures and TracingConfig, which moto drops',
    check: (findings, { Properties = {} }) => {
      findings.field('Architectures', Properties.Architectures, ['arm64']);
      findings.field('TracingConfig.Mode', (Properties.TracingConfig as Properties | undefined)?.Mode, 'Active');
    },
  },
  'AWS::IAM::Role': {
    what: 'the managed policy ARNs, which moto drops',
    check: (findings, { Properties = {} }) => {
      const arns = JSON.stringify(Properties.ManagedPolicyArns ?? []);
      const assumedBy = JSON.stringify(Properties.AssumeRolePolicyDocument);
      if (assumedBy.includes('lambda.amazonaws.com')) findings.holds('ManagedPolicyArns has AWSLambdaBasicExecutionRole', arns.includes('service-role/AWSLambdaBasicExecutionRole'), arns);
      // Tracing is on for both functions and the state machine: each role may write traces.
      findings.holds('ManagedPolicyArns has AWSXrayWriteOnlyAccess', arns.includes('/AWSXrayWriteOnlyAccess'), arns);
    },
  },
  'AWS::DynamoDB::Table': {
    what: 'time to live, encryption and (for a retained table) point-in-time recovery, which moto drops',
    check: (findings, { Properties = {}, DeletionPolicy }) => {
      findings.field('TimeToLiveSpecification', Properties.TimeToLiveSpecification, { AttributeName: 'expiration', Enabled: true });
      findings.field('SSESpecification.SSEEnabled', (Properties.SSESpecification as Properties | undefined)?.SSEEnabled, true);
      // A table kept past the stack holds records worth recovering; the per-client budget's holds nothing past a minute.
      if (DeletionPolicy === 'Retain') {
        findings.field('PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled', (Properties.PointInTimeRecoverySpecification as Properties | undefined)?.PointInTimeRecoveryEnabled, true);
      }
    },
  },
  'AWS::StepFunctions::StateMachine': {
    what: 'the type (moto makes STANDARD), tracing and logging, which moto drops',
    check: (findings, { Properties = {} }, template) => {
      findings.field('StateMachineType', Properties.StateMachineType, 'EXPRESS');
      findings.field('TracingConfiguration.Enabled', (Properties.TracingConfiguration as Properties | undefined)?.Enabled, true);
      const logging = (Properties.LoggingConfiguration ?? {}) as Properties;
      findings.field('LoggingConfiguration.IncludeExecutionData', logging.IncludeExecutionData, false);
      const destination = referenceOf(((logging.Destinations ?? []) as { CloudWatchLogsLogGroup?: { LogGroupArn?: unknown } }[])[0]?.CloudWatchLogsLogGroup?.LogGroupArn);
      findings.field('LoggingConfiguration.Destinations → a log group of the stack', typeOf(template, destination?.logicalId), 'AWS::Logs::LogGroup');
    },
  },
  'AWS::Events::EventBus': {
    what: "the partner bus's name and event source, which moto must name without '/'",
    check: (findings, { Properties = {} }) => {
      findings.field('Name', Properties.Name, { Ref: 'GenesysEventSourceName' });
      findings.field('EventSourceName', Properties.EventSourceName, { Ref: 'GenesysEventSourceName' });
    },
  },
  'AWS::SecretsManager::Secret': {
    what: 'moto does not create it: its placeholder, never a credential',
    check: (findings, { Properties = {} }) => {
      const generate = (Properties.GenerateSecretString ?? {}) as Properties;
      findings.field('GenerateSecretString.SecretStringTemplate', JSON.parse(String(generate.SecretStringTemplate ?? '{}')), { clientId: 'REPLACE_ME' });
      findings.field('GenerateSecretString.GenerateStringKey', generate.GenerateStringKey, 'clientSecret');
      findings.holds('no SecretString (no credential in the template)', Properties.SecretString === undefined);
    },
  },
  'AWS::SQS::QueuePolicy': {
    what: 'moto does not create it: the queue it guards, and that only the rule sending to that queue may send',
    check: (findings, { Properties = {} }, template) => {
      const queues = ((Properties.Queues ?? []) as unknown[]).map((queue) => referenceOf(queue)?.logicalId);
      findings.holds('Queues → one queue of the stack', queues.length === 1 && typeOf(template, queues[0]) === 'AWS::SQS::Queue', JSON.stringify(queues));
      const statements = (((Properties.PolicyDocument as Properties | undefined)?.Statement ?? []) as Properties[]);
      for (const statement of statements) {
        findings.field(`${String(statement.Sid)}.Resource`, referenceOf(statement.Resource), { logicalId: queues[0], attribute: 'Arn' });
        const sourceArn = referenceOf(((statement.Condition as Properties | undefined)?.ArnEquals as Properties | undefined)?.['aws:SourceArn']);
        if (sourceArn !== undefined) findings.field(`${String(statement.Sid)}.aws:SourceArn`, [sourceArn.logicalId], rulesSendingTo(template, queues[0] ?? ''));
      }
      findings.holds('denies sqs:* without TLS', statements.some((statement) => statement.Effect === 'Deny' && JSON.stringify(statement.Condition).includes('aws:SecureTransport')));
    },
  },
  'AWS::CloudWatch::Alarm': {
    what: 'moto does not create it: the resource its metric watches, and its actions',
    check: (findings, { Properties = {} }, template) => {
      const expected = DIMENSION_TYPES[String(Properties.Namespace)];
      if (expected === undefined) {
        // The pipeline's own metrics, or metric math over them (Metrics): the stack's namespace or a service's.
        const named = JSON.stringify(Properties.Namespace ?? Properties.Metrics ?? null);
        findings.holds('metrics from the stack\'s namespace or a service\'s', /GenesysEventsPipeline\/|"AWS\//.test(named), named);
      } else {
        const dimension = ((Properties.Dimensions ?? []) as Properties[]).find((candidate) => candidate.Name === expected.dimension);
        const reference = referenceOf(dimension?.Value);
        findings.field(`Dimensions.${expected.dimension} → ${expected.type}`, typeOf(template, reference?.logicalId), expected.type);
        findings.field(`Dimensions.${expected.dimension} attribute`, reference?.attribute, expected.attribute);
      }
      findings.field('AlarmActions', Properties.AlarmActions, { 'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] });
    },
  },
  'AWS::Logs::LogGroup': {
    what: 'the retention the stack sets (moto drops an updated log group)',
    check: (findings, { Properties = {} }) => {
      findings.field('RetentionInDays', Properties.RetentionInDays, { Ref: 'LogRetentionInDays' });
    },
  },
  'AWS::CloudWatch::Dashboard': {
    what: 'moto keeps no body to read back: every alarm its body names is an alarm of the stack',
    check: (findings, { Properties = {} }, template) => {
      const body = JSON.stringify(Properties.DashboardBody ?? '');
      const named = [...body.matchAll(/\$\{(\w+)\.Arn\}/g)].map((match) => match[1] ?? '');
      const alarms = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm').map(([logicalId]) => logicalId);
      findings.field('alarms on the dashboard', [...new Set(named)].sort(), alarms.sort());
    },
  },
};
