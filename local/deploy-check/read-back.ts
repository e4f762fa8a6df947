/**
 * Reads every resource moto created back through the service's own API and compares it with the translated
 * template, resolved against the stack's physical resources: what a user's stack would hold after `sam deploy`.
 */
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeArchiveCommand, DescribeEventBusCommand, DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetEventSourceMappingCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localClientConfig } from '../stack/moto.js';
import { TemplateResolver, type ResourceValues } from '../../template/resolver.js';
import type { Template } from '../../template/index.js';
import { Findings, NOT_CREATED } from './compare.js';
import { motoBusName, namedPhysicalId, parseMotoPolicyDocument, withoutMotoNoValues } from './moto-gaps.js';
import type { StackResource, StackState } from './moto-stack.js';
import type { Artifact } from './package.js';

/** The service clients of a read back. */
export class AwsReader {
  readonly lambda: LambdaClient;
  readonly iam: IAMClient;
  readonly logs: CloudWatchLogsClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;

  constructor(endpoint: string) {
    const config = localClientConfig(endpoint);
    this.lambda = new LambdaClient(config);
    this.iam = new IAMClient(config);
    this.logs = new CloudWatchLogsClient(config);
    this.sqs = new SQSClient(config);
    this.dynamodb = new DynamoDBClient(config);
    this.events = new EventBridgeClient(config);
    this.sfn = new SFNClient(config);
  }

  destroy(): void {
    for (const client of [this.lambda, this.iam, this.logs, this.sqs, this.dynamodb, this.events, this.sfn]) client.destroy();
  }
}

type Properties = Record<string, unknown>;

/** What a resource type's API answers: its `Ref` and attributes, and the description the comparison reads. */
interface Described {
  values: ResourceValues;
  description: Record<string, unknown>;
}

const decode = (document: string | undefined): unknown => parseMotoPolicyDocument(decodeURIComponent(document ?? '{}'));

/**
 * The rule's name and bus. CloudFormation's physical id of a rule on another bus than the default is `bus|name`;
 * moto's is the name alone, so the bus comes from the template's EventBusName.
 */
function ruleName(physicalId: string, busInTemplate: unknown): { Name: string; EventBusName?: string } {
  const bar = physicalId.indexOf('|');
  if (bar >= 0) return { EventBusName: physicalId.slice(0, bar), Name: physicalId.slice(bar + 1) };
  return typeof busInTemplate === 'string' ? { Name: physicalId, EventBusName: busInTemplate } : { Name: physicalId };
}

/** Describes one created resource through its service's API. */
async function describe(aws: AwsReader, resource: StackResource, properties: () => Properties): Promise<Described | undefined> {
  const id = resource.physicalId;
  switch (resource.type) {
    case 'AWS::Lambda::Function': {
      const fn = await aws.lambda.send(new GetFunctionCommand({ FunctionName: id }));
      return { values: { ref: id, attributes: { Arn: fn.Configuration?.FunctionArn ?? '' } }, description: { ...fn.Configuration } };
    }
    case 'AWS::Lambda::EventSourceMapping': {
      const mapping = await aws.lambda.send(new GetEventSourceMappingCommand({ UUID: id }));
      return { values: { ref: id }, description: { ...mapping } };
    }
    case 'AWS::IAM::Role': {
      const { Role } = await aws.iam.send(new GetRoleCommand({ RoleName: id }));
      const { PolicyNames = [] } = await aws.iam.send(new ListRolePoliciesCommand({ RoleName: id }));
      const policies = await Promise.all(
        PolicyNames.map(async (PolicyName) => {
          const policy = await aws.iam.send(new GetRolePolicyCommand({ RoleName: id, PolicyName }));
          return { PolicyName, PolicyDocument: decode(policy.PolicyDocument) };
        }),
      );
      return { values: { ref: id, attributes: { Arn: Role?.Arn ?? '' } }, description: { AssumeRolePolicyDocument: decode(Role?.AssumeRolePolicyDocument), Policies: policies } };
    }
    case 'AWS::SQS::Queue': {
      const { Attributes = {} } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: id, AttributeNames: ['All'] }));
      return { values: { ref: id, attributes: { Arn: Attributes.QueueArn ?? '', QueueName: id.slice(id.lastIndexOf('/') + 1), QueueUrl: id } }, description: Attributes };
    }
    case 'AWS::Events::EventBus': {
      const bus = await aws.events.send(new DescribeEventBusCommand({ Name: id }));
      return { values: { ref: bus.Name ?? id, attributes: { Arn: bus.Arn ?? '', Name: bus.Name ?? '' } }, description: { ...bus } };
    }
    case 'AWS::Events::Rule': {
      const rule = await aws.events.send(new DescribeRuleCommand(ruleName(id, properties().EventBusName)));
      const { Targets = [] } = await aws.events.send(new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: rule.EventBusName }));
      return { values: { ref: id, attributes: { Arn: rule.Arn ?? '' } }, description: { ...rule, Targets } };
    }
    case 'AWS::Events::Archive': {
      const archive = await aws.events.send(new DescribeArchiveCommand({ ArchiveName: id }));
      return { values: { ref: id, attributes: { Arn: archive.ArchiveArn ?? '' } }, description: { ...archive } };
    }
    case 'AWS::Logs::LogGroup': {
      const { logGroups = [] } = await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: id }));
      const group = logGroups.find((candidate) => candidate.logGroupName === id);
      if (group === undefined) return undefined;
      return { values: { ref: id, attributes: { Arn: group.arn ?? '' } }, description: { ...group } };
    }
    case 'AWS::DynamoDB::Table': {
      const { Table } = await aws.dynamodb.send(new DescribeTableCommand({ TableName: id }));
      return { values: { ref: id, attributes: { Arn: Table?.TableArn ?? '', StreamArn: Table?.LatestStreamArn ?? '' } }, description: { ...Table } };
    }
    case 'AWS::StepFunctions::StateMachine': {
      const machine = await aws.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: id }));
      return { values: { ref: id, attributes: { Arn: id, Name: machine.name ?? '' } }, description: { ...machine } };
    }
    default:
      return { values: { ref: id }, description: {} };
  }
}

/** Whether a resource is still there (after a delete): its service describes it. */
export async function exists(aws: AwsReader, { resource, properties }: Located): Promise<boolean> {
  try {
    return (await describe(aws, resource, properties)) !== undefined;
  } catch {
    return false;
  }
}

/** The comparison of one resource type's description with its resolved template properties. */
type Comparer = (findings: Findings, expected: Properties, actual: Record<string, unknown>, context: CompareContext) => void;

export interface CompareContext {
  artifacts: ReadonlyMap<string, Artifact>;
  /** The ASL text of a packaged definition key, substitutions not yet applied. */
  definitions: ReadonlyMap<string, string>;
}

/** What SQS gives a queue whose template leaves an attribute out. */
const SQS_DEFAULTS = { VisibilityTimeout: 30, MessageRetentionPeriod: 345600, SqsManagedSseEnabled: true };

const COMPARERS: Record<string, Comparer> = {
  'AWS::Lambda::Function': (findings, expected, actual, { artifacts }) => {
    const code = expected.Code as { S3Key?: string };
    findings.field('CodeSha256', artifacts.get(code.S3Key ?? '')?.codeSha256, actual.CodeSha256);
    for (const name of ['Runtime', 'Handler', 'Timeout', 'MemorySize', 'Description', 'Role']) findings.field(name, expected[name], actual[name]);
    const variables = ((expected.Environment as Properties | undefined)?.Variables ?? {}) as Properties;
    const actualVariables = ((actual.Environment as Properties | undefined)?.Variables ?? {}) as Properties;
    // moto leaves out a variable whose value names a resource it did not create: that one is reported as skipped.
    const named = Object.keys(variables).filter((name) => !JSON.stringify(variables[name]).includes(NOT_CREATED));
    findings.field('Environment.Variables (names)', named.sort(), Object.keys(actualVariables).filter((name) => named.includes(name) || !(name in variables)).sort());
    for (const [name, value] of Object.entries(variables)) findings.field(`Environment.Variables.${name}`, value, actualVariables[name]);
  },
  'AWS::Lambda::EventSourceMapping': (findings, expected, actual) => {
    for (const name of ['EventSourceArn', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'FunctionResponseTypes']) findings.field(name, expected[name], actual[name]);
    findings.field('ScalingConfig.MaximumConcurrency', (expected.ScalingConfig as Properties | undefined)?.MaximumConcurrency, (actual.ScalingConfig as Properties | undefined)?.MaximumConcurrency);
    const functionArn = String(actual.FunctionArn ?? '');
    findings.holds('FunctionName', functionArn.endsWith(`:function:${String(expected.FunctionName)}`), `maps to ${functionArn}, not ${String(expected.FunctionName)}`);
  },
  'AWS::IAM::Role': (findings, expected, actual) => {
    findings.field('AssumeRolePolicyDocument', expected.AssumeRolePolicyDocument, actual.AssumeRolePolicyDocument);
    const byName = (policies: unknown): Record<string, unknown> =>
      Object.fromEntries(((policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((policy) => [policy.PolicyName, policy.PolicyDocument]));
    const expectedPolicies = byName(expected.Policies);
    const actualPolicies = byName(actual.Policies);
    findings.field('Policies (names)', Object.keys(expectedPolicies).sort(), Object.keys(actualPolicies).sort());
    for (const [name, document] of Object.entries(expectedPolicies)) {
      // Statement by statement, so one naming a resource moto does not create leaves the others compared.
      const statements = ((document as { Statement?: unknown[] }).Statement ?? []) as Properties[];
      const actualStatements = withoutMotoNoValues(((actualPolicies[name] as { Statement?: unknown[] } | undefined)?.Statement ?? []) as (Properties | null)[]);
      findings.field(`Policies.${name} (statements)`, statements.length, actualStatements.length);
      statements.forEach((statement, index) => findings.field(`Policies.${name}.${String(statement.Sid ?? index)}`, statement, actualStatements[index]));
    }
  },
  'AWS::SQS::Queue': (findings, expected, actual) => {
    for (const [name, awsDefault] of Object.entries(SQS_DEFAULTS)) findings.field(name, expected[name] ?? awsDefault, actual[name]);
    const redrive = actual.RedrivePolicy === undefined ? undefined : (JSON.parse(String(actual.RedrivePolicy)) as unknown);
    findings.field('RedrivePolicy', expected.RedrivePolicy, redrive);
  },
  'AWS::Events::EventBus': (findings, expected, actual) => {
    findings.field('Name (as moto names it)', motoBusName(String(expected.Name)), actual.Name);
  },
  'AWS::Events::Rule': (findings, expected, actual) => {
    findings.field('EventPattern', expected.EventPattern, JSON.parse(String(actual.EventPattern ?? 'null')));
    for (const name of ['State', 'Description', 'EventBusName']) findings.field(name, expected[name], actual[name]);
    findings.field('Targets', expected.Targets, actual.Targets);
  },
  'AWS::Events::Archive': (findings, expected, actual) => {
    findings.field('ArchiveName', expected.ArchiveName, actual.ArchiveName);
    findings.field('EventSourceArn', expected.SourceArn, actual.EventSourceArn);
    findings.field('RetentionDays', expected.RetentionDays, actual.RetentionDays);
    findings.field('EventPattern', expected.EventPattern, JSON.parse(String(actual.EventPattern ?? 'null')));
  },
  'AWS::Logs::LogGroup': (findings, expected, actual) => {
    findings.field('LogGroupName', expected.LogGroupName, actual.logGroupName);
    findings.field('RetentionInDays', expected.RetentionInDays, actual.retentionInDays);
  },
  'AWS::DynamoDB::Table': (findings, expected, actual) => {
    findings.field('KeySchema', expected.KeySchema, actual.KeySchema);
    findings.field('AttributeDefinitions', expected.AttributeDefinitions, actual.AttributeDefinitions);
    findings.field('BillingMode', expected.BillingMode, (actual.BillingModeSummary as Properties | undefined)?.BillingMode);
  },
  'AWS::StepFunctions::StateMachine': (findings, expected, actual, { definitions }) => {
    const location = expected.DefinitionS3Location as { Key?: string };
    const substitutions = (expected.DefinitionSubstitutions ?? {}) as Record<string, string>;
    const text = (definitions.get(location.Key ?? '') ?? '').replace(/\$\{([^}]+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
    findings.field('Definition', JSON.parse(text), JSON.parse(String(actual.definition ?? 'null')));
    findings.field('RoleArn', expected.RoleArn, actual.roleArn);
  },
};

/** The types this module reads back; every other type is checked statically or said to be not checkable. */
export const READ_BACK_TYPES: ReadonlySet<string> = new Set(Object.keys(COMPARERS));

/** One resource's read back. */
export interface ReadBack {
  logicalId: string;
  type: string;
  findings: Findings;
}

/** The read back of a stack: each resource moto created and the stack's outputs. */
export interface StackReadBack {
  resources: ReadBack[];
  outputs: Findings;
  /** The resolver answering for this stack's resources, for checks that need a resolved value. */
  resolver: TemplateResolver;
  /** How each resource was found, to look for it again (after a delete). */
  located: Map<string, Located>;
}

/** A resource as the read back found it: its physical id (moto's gaps filled in) and its resolved properties. */
export interface Located {
  resource: StackResource;
  properties: () => Properties;
}

/**
 * Reads back every resource of `state` that this module knows, against `translated` (the template CloudFormation
 * would be given, before moto's rewrites) resolved with `parameters`.
 */
export async function readBack(
  aws: AwsReader,
  state: StackState,
  translated: Template,
  parameters: Record<string, string>,
  stackName: string,
  context: CompareContext,
): Promise<StackReadBack> {
  const resolver = new TemplateResolver(translated, parameters, stackName, state.stackId === undefined ? {} : { 'AWS::StackId': state.stackId });
  const described = new Map<string, Described>();
  const located = new Map<string, Located>();
  // Only the names: the rest of the properties may refer to resources not described yet.
  const namesOf = (properties: Properties): Properties => resolver.resolve({ Name: properties.Name, ArchiveName: properties.ArchiveName }) as Properties;
  // A rule is described after the bus it names, whose name its EventBusName resolves to.
  const order = Object.keys(translated.Resources).sort((a, b) => Number(translated.Resources[a]?.Type === 'AWS::Events::Rule') - Number(translated.Resources[b]?.Type === 'AWS::Events::Rule'));
  for (const logicalId of order) {
    const listed = state.resources.get(logicalId);
    const resource =
      listed === undefined ? undefined : { ...listed, physicalId: namedPhysicalId(listed.type, listed.physicalId, namesOf(translated.Resources[logicalId]?.Properties ?? {})) };
    const properties = (): Properties => resolver.resolve(translated.Resources[logicalId]?.Properties ?? {}) as Properties;
    if (resource !== undefined) located.set(logicalId, { resource, properties });
    const answer = resource === undefined ? undefined : await describe(aws, resource, properties);
    if (answer !== undefined) described.set(logicalId, answer);
    resolver.setResource(logicalId, answer?.values ?? { ref: NOT_CREATED, attributes: new Proxy({}, { get: () => NOT_CREATED }) });
  }
  const resources: ReadBack[] = [];
  for (const [logicalId, resource] of Object.entries(translated.Resources)) {
    const comparer = COMPARERS[resource.Type];
    const answer = described.get(logicalId);
    if (comparer === undefined || answer === undefined || !resolver.isCreated(logicalId)) continue;
    const findings = new Findings();
    comparer(findings, resolver.resolve(resource.Properties ?? {}) as Properties, answer.description, context);
    resources.push({ logicalId, type: resource.Type, findings });
  }
  const outputs = new Findings();
  for (const [name, output] of Object.entries(translated.Outputs ?? {})) {
    if (output.Condition !== undefined && !resolver.resolve({ Condition: output.Condition })) continue;
    outputs.field(name, resolver.resolve(output.Value), state.outputs.get(name));
  }
  return { resources, outputs, resolver, located };
}
