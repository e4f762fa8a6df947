/**
 * Creates in moto the AWS resources of template.yaml that the local stack needs: queues, the event
 * bus with its rule and queue target and its archive, the idempotency table and the Genesys client secret. Every
 * setting comes from the template and its parameter values; only names are chosen here.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateArchiveCommand, CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_ACCOUNT, LOCAL_REGION, localClientConfig } from './moto.js';
import { MIN_SCALED_TIMEOUT_SECONDS, scaledTimeoutSeconds } from '../shared/time-scale.js';
import type { Template, TemplateResource } from '../../template/index.js';
import { NotCreatedError, TemplateResolver, type ResourceValues } from '../../template/resolver.js';

export { LOCAL_ACCOUNT, LOCAL_REGION } from './moto.js';

/** The ARN a local Lambda function answers to; its function name is its logical id. */
export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/** The ARN of a local state machine; its name is its logical id. */
export function localStateMachineArn(logicalId: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
}

/** What `provisionFromTemplate` needs. */
export interface ProvisionOptions {
  /** moto's endpoint. */
  endpoint: string;
  template: Template;
  /** Parameter values over the template's defaults (e.g. GenesysEventSourceName, MaxReceiveCount). */
  parameters?: Record<string, string | number>;
  /**
   * The plain bus name that stands in for the partner bus: moto reads a bus name with `/` as an ARN and
   * looks up its last segment, so `aws.partner/genesys.com/...` cannot be used there.
   */
  busName: string;
  /** The Genesys client credentials stored in the secret (the simulator's client). */
  secretValue: { clientId: string; clientSecret: string };
  /** Prefix of the physical names, so two stacks can share one moto. */
  stackName?: string;
  /**
   * The local stack's `--time-scale`: a queue's VisibilityTimeout is a timeout like the functions' own,
   * and shrinks with them (floored as they are), so a record whose delivery failed without setting its
   * own redelivery delay comes back on the same scaled clock. 1 (no scaling) by default.
   */
  timeScale?: number;
}

/** Physical ids of what was created. */
export interface ProvisionedResources {
  /** Every logical id created or stood in for, with what `!Ref`/`!GetAtt` give. */
  resources: Record<string, ResourceValues>;
  /** Resolver over the parameters and created resources (function environment, substitutions). */
  resolver: TemplateResolver;
  eventsQueueUrl: string;
  eventsQueueArn: string;
  deadLetterQueueUrl: string;
  ruleDeadLetterQueueUrl: string;
  busName: string;
  /** The stand-in bus's ARN: the destination of a replay. */
  busArn: string;
  ruleName: string;
  ruleArn: string;
  /** The EventArchive's ARN; undefined when EventArchiveRetentionDays is 0. */
  archiveArn?: string;
  tableName: string;
  secretArn: string;
}

/** Resource types with no local counterpart: policies and log groups change nothing moto checks. */
const IGNORED_TYPES = new Set([
  'AWS::SQS::QueuePolicy',
  'AWS::Logs::LogGroup',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::SNS::Topic',
  'AWS::Lambda::Permission',
]);

/** CloudFormation `AWS::SQS::Queue` properties that are SQS queue attributes of the same name. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'SqsManagedSseEnabled',
];

type Clients = { sqs: SQSClient; events: EventBridgeClient; dynamodb: DynamoDBClient; secrets: SecretsManagerClient };

interface Context {
  options: ProvisionOptions;
  resolver: TemplateResolver;
  clients: Clients;
  stackName: string;
}

async function createQueue(context: Context, logicalId: string, properties: Record<string, unknown>): Promise<ResourceValues> {
  const { resolver, clients, stackName } = context;
  const resolved = resolver.resolve(properties) as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) {
    if (resolved[name] !== undefined) attributes[name] = String(resolved[name]);
  }
  if (attributes.VisibilityTimeout !== undefined) {
    // Floored at 6 floored function timeouts, so it stays above the dispatcher's timeout at any scale.
    const floor = 6 * MIN_SCALED_TIMEOUT_SECONDS;
    attributes.VisibilityTimeout = String(Math.round(scaledTimeoutSeconds(Number(attributes.VisibilityTimeout), context.options.timeScale ?? 1, floor)));
  }
  for (const name of ['RedrivePolicy', 'RedriveAllowPolicy']) {
    const policy = resolved[name] as Record<string, unknown> | undefined;
    if (policy === undefined) continue;
    // SQS wants maxReceiveCount as a number; a parameter resolves to a string.
    const normalised = 'maxReceiveCount' in policy ? { ...policy, maxReceiveCount: Number(policy.maxReceiveCount) } : policy;
    attributes[name] = JSON.stringify(normalised);
  }
  const fifo = attributes.FifoQueue === 'true';
  const queueName = typeof resolved.QueueName === 'string' ? resolved.QueueName : `${stackName}-${logicalId}${fifo ? '.fifo' : ''}`;
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (QueueUrl === undefined || arn === undefined) throw new Error(`moto did not return the URL and ARN of queue ${queueName}`);
  return { ref: QueueUrl, attributes: { Arn: arn, QueueName: queueName, QueueUrl } };
}

/** The ARN moto gives the stand-in bus. */
function standInBusArn(busName: string): string {
  return `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${busName}`;
}

async function createBus(context: Context): Promise<ResourceValues> {
  const { clients, options } = context;
  const { EventBusArn } = await clients.events.send(new CreateEventBusCommand({ Name: options.busName }));
  const arn = EventBusArn ?? standInBusArn(options.busName);
  return { ref: options.busName, attributes: { Arn: arn, Name: options.busName } };
}

async function createRule(context: Context, logicalId: string, properties: Record<string, unknown>): Promise<ResourceValues> {
  const { resolver, clients, options, stackName } = context;
  const resolved = resolver.resolve(properties) as Record<string, unknown>;
  // The rule lives on the stand-in bus whatever the template names (the partner bus or an existing one).
  const busName = options.busName;
  const ruleName = typeof resolved.Name === 'string' ? resolved.Name : `${stackName}-${logicalId}`;
  const { RuleArn } = await clients.events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: busName,
      EventPattern: resolved.EventPattern === undefined ? undefined : JSON.stringify(resolved.EventPattern),
      ScheduleExpression: resolved.ScheduleExpression as string | undefined,
      State: (resolved.State as 'ENABLED' | 'DISABLED' | undefined) ?? 'ENABLED',
      Description: resolved.Description as string | undefined,
    }),
  );
  const targets = (resolved.Targets as Target[] | undefined) ?? [];
  if (targets.length > 0) {
    const answer = await clients.events.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: busName, Targets: targets }));
    if ((answer.FailedEntryCount ?? 0) > 0) throw new Error(`PutTargets for ${ruleName} failed: ${JSON.stringify(answer.FailedEntries)}`);
  }
  return { ref: busName === 'default' ? ruleName : `${busName}|${ruleName}`, attributes: { Arn: RuleArn ?? '' } };
}

/** moto's and EventBridge's longest archive name. */
const MAX_ARCHIVE_NAME = 48;

async function createArchive(context: Context, logicalId: string, properties: Record<string, unknown>): Promise<ResourceValues> {
  const { resolver, clients, options, stackName } = context;
  const resolved = resolver.resolve(properties) as Record<string, unknown>;
  const name = (typeof resolved.ArchiveName === 'string' ? resolved.ArchiveName : `${stackName}-${logicalId}`).slice(0, MAX_ARCHIVE_NAME);
  // The archive records the stand-in bus whatever bus the template names, as the rule does.
  const { ArchiveArn } = await clients.events.send(
    new CreateArchiveCommand({
      ArchiveName: name,
      EventSourceArn: standInBusArn(options.busName),
      Description: resolved.Description as string | undefined,
      EventPattern: resolved.EventPattern === undefined ? undefined : JSON.stringify(resolved.EventPattern),
      RetentionDays: resolved.RetentionDays === undefined ? undefined : Number(resolved.RetentionDays),
    }),
  );
  if (ArchiveArn === undefined) throw new Error(`moto did not return the ARN of archive ${name}`);
  return { ref: name, attributes: { Arn: ArchiveArn, ArchiveName: name } };
}

async function createTable(context: Context, logicalId: string, properties: Record<string, unknown>): Promise<ResourceValues> {
  const { resolver, clients, stackName } = context;
  const resolved = resolver.resolve(properties) as Record<string, unknown>;
  const tableName = typeof resolved.TableName === 'string' ? resolved.TableName : `${stackName}-${logicalId}`;
  const billingMode = (resolved.BillingMode as 'PAY_PER_REQUEST' | 'PROVISIONED' | undefined) ?? 'PROVISIONED';
  const answer = await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: resolved.AttributeDefinitions as AttributeDefinition[],
      KeySchema: resolved.KeySchema as KeySchemaElement[],
      BillingMode: billingMode,
      ProvisionedThroughput:
        billingMode === 'PROVISIONED'
          ? (resolved.ProvisionedThroughput as { ReadCapacityUnits: number; WriteCapacityUnits: number } | undefined)
          : undefined,
    }),
  );
  const ttl = resolved.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean | string } | undefined;
  if (ttl?.AttributeName !== undefined) {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: String(ttl.Enabled) === 'true' },
      }),
    );
  }
  return { ref: tableName, attributes: { Arn: answer.TableDescription?.TableArn ?? '' } };
}

async function createSecret(context: Context, logicalId: string, properties: Record<string, unknown>): Promise<ResourceValues> {
  const { resolver, clients, options, stackName } = context;
  const resolved = resolver.resolve(properties) as Record<string, unknown>;
  const name = typeof resolved.Name === 'string' ? resolved.Name : `${stackName}-${logicalId}`;
  // The template's SecretString is a placeholder an operator replaces; locally it holds the simulator's client.
  const { ARN } = await clients.secrets.send(
    new CreateSecretCommand({ Name: name, Description: resolved.Description as string | undefined, SecretString: JSON.stringify(options.secretValue) }),
  );
  if (ARN === undefined) throw new Error(`moto did not return the ARN of secret ${name}`);
  return { ref: ARN, attributes: { Id: ARN } };
}

function standIn(logicalId: string, resource: TemplateResource): ResourceValues | undefined {
  switch (resource.Type) {
    case 'AWS::Serverless::Function':
    case 'AWS::Lambda::Function':
      return { ref: logicalId, attributes: { Arn: localFunctionArn(logicalId) } };
    case 'AWS::Serverless::StateMachine':
    case 'AWS::StepFunctions::StateMachine':
      return { ref: localStateMachineArn(logicalId), attributes: { Arn: localStateMachineArn(logicalId), Name: logicalId } };
    default:
      return undefined;
  }
}

const CREATORS: Record<string, (context: Context, logicalId: string, properties: Record<string, unknown>) => Promise<ResourceValues>> = {
  'AWS::SQS::Queue': createQueue,
  'AWS::Events::EventBus': (context) => createBus(context),
  'AWS::Events::Rule': createRule,
  'AWS::Events::Archive': createArchive,
  'AWS::DynamoDB::Table': createTable,
  'AWS::SecretsManager::Secret': createSecret,
};

function required(resources: Record<string, ResourceValues>, logicalId: string, attribute?: string): string {
  const values = resources[logicalId];
  const value = attribute === undefined ? values?.ref : values?.attributes?.[attribute];
  if (value === undefined) throw new Error(`template.yaml has no ${logicalId}${attribute === undefined ? '' : `.${attribute}`} (docs/contracts.md)`);
  return value;
}

/** Records what `!Ref`/`!GetAtt` of a resource give, for the resources still to come and for the caller. */
function record(context: Context, resources: Record<string, ResourceValues>, logicalId: string, values: ResourceValues): void {
  context.resolver.setResource(logicalId, values);
  resources[logicalId] = values;
}

/** Stands in for the functions and state machines, and answers the resources moto must create. */
function sortResources(context: Context, resources: Record<string, ResourceValues>): [string, TemplateResource][] {
  const toCreate: [string, TemplateResource][] = [];
  for (const [logicalId, resource] of Object.entries(context.options.template.Resources)) {
    const values = standIn(logicalId, resource);
    if (values !== undefined) record(context, resources, logicalId, values);
    else if (resource.Type in CREATORS && context.resolver.isCreated(logicalId)) toCreate.push([logicalId, resource]);
    else if (!IGNORED_TYPES.has(resource.Type) && !(resource.Type in CREATORS)) {
      console.warn(`local stack: ${logicalId} (${resource.Type}) has no local counterpart; skipped`);
    }
  }
  return toCreate;
}

/**
 * Creates the resources in dependency order: a resource whose `!Ref`/`!GetAtt` names something not
 * created yet waits for a later pass; a pass that creates nothing means a reference that never resolves.
 */
async function createInOrder(context: Context, resources: Record<string, ResourceValues>, toCreate: [string, TemplateResource][]): Promise<void> {
  let pending = toCreate;
  while (pending.length > 0) {
    const deferred: [string, TemplateResource][] = [];
    let lastError: unknown;
    for (const [logicalId, resource] of pending) {
      // Resolve first: an unresolvable reference defers the resource without creating anything.
      try {
        context.resolver.resolve(resource.Properties ?? {});
      } catch (error) {
        if (!(error instanceof NotCreatedError)) throw error;
        deferred.push([logicalId, resource]);
        lastError = error;
        continue;
      }
      const create = CREATORS[resource.Type] as (typeof CREATORS)[string];
      record(context, resources, logicalId, await create(context, logicalId, resource.Properties ?? {}));
    }
    if (deferred.length === pending.length) {
      throw new Error(`cannot provision ${deferred.map(([id]) => id).join(', ')}: ${(lastError as Error).message}`);
    }
    pending = deferred;
  }
}

/** The physical ids the rest of the stack needs, by the logical ids of docs/contracts.md. */
function provisioned(context: Context, resources: Record<string, ResourceValues>): ProvisionedResources {
  return {
    resources,
    resolver: context.resolver,
    eventsQueueUrl: required(resources, 'EventsQueue'),
    eventsQueueArn: required(resources, 'EventsQueue', 'Arn'),
    deadLetterQueueUrl: required(resources, 'EventsDeadLetterQueue'),
    ruleDeadLetterQueueUrl: required(resources, 'RuleDeadLetterQueue'),
    busName: context.options.busName,
    busArn: required(resources, 'EventsBus', 'Arn'),
    ruleName: required(resources, 'GenesysConversationEventsRule').split('|').pop() as string,
    ruleArn: required(resources, 'GenesysConversationEventsRule', 'Arn'),
    archiveArn: resources.EventArchive?.attributes?.Arn,
    tableName: required(resources, 'IdempotencyTable'),
    secretArn: resources.GenesysClientSecret?.ref ?? context.resolver.resolveString({ Ref: 'GenesysClientSecretArn' }),
  };
}

/** Creates the template's resources in moto (see `createInOrder`) and answers their physical ids. */
export async function provisionFromTemplate(options: ProvisionOptions): Promise<ProvisionedResources> {
  const clientConfig = localClientConfig(options.endpoint);
  const clients: Clients = {
    sqs: new SQSClient(clientConfig),
    events: new EventBridgeClient(clientConfig),
    dynamodb: new DynamoDBClient(clientConfig),
    secrets: new SecretsManagerClient(clientConfig),
  };
  const stackName = options.stackName ?? 'local';
  // Each stack its own id, as CloudFormation gives: names made from it (the EventArchive's) stay apart in one moto.
  const stackId = `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${stackName}/${randomUUID()}`;
  const resolver = new TemplateResolver(options.template, options.parameters, stackName, { 'AWS::StackId': stackId });
  const context: Context = { options, resolver, clients, stackName };
  const resources: Record<string, ResourceValues> = {};
  try {
    await createInOrder(context, resources, sortResources(context, resources));
    // An existing bus named by parameter: locally it is the stand-in bus too.
    resources.EventsBus ??= await createBus(context);
    return provisioned(context, resources);
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
