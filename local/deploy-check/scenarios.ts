/**
 * The deploy check's scenario: the parameter values of each stack it deploys (as `sam deploy --guided` would be
 * answered), the properties whose change replaces a resource, and what no check here can show.
 */

/** What `sam deploy --guided` asks for that has no default: a Genesys partner event source, shaped as Genesys names them. */
export const GUIDED_PARAMETERS: Readonly<Record<string, string>> = {
  GenesysEventSourceName: 'aws.partner/genesys.com/cloud/0b3e1e6a-5c4f-4c2e-9d1a-6f0e2a7b9c11/genesys-events',
};

/** The update: every knob an operator turns after the first deploy, and an existing secret instead of the stack's own. */
export const UPDATED_PARAMETERS: Readonly<Record<string, string>> = {
  BatchSize: '5',
  MaximumConcurrency: '4',
  MaximumBatchingWindowInSeconds: '2',
  MaxReceiveCount: '6',
  LogRetentionInDays: '14',
  LogLevel: 'DEBUG',
  StateMachineLogLevel: 'ALL',
  GenesysRateLimitScope: 'client',
  GenesysClientSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:genesys-oauth-client-AbCdEf',
};

/**
 * A second stack on the other side of every condition: a bus that already exists, a customer managed key for the
 * secret, an alarm topic. The guided deploy asks for each of these.
 */
export const OTHER_BRANCH_STACK = 'genesys-events-pipeline-existing-bus';
export const OTHER_BRANCH_PARAMETERS: Readonly<Record<string, string>> = {
  ExistingEventBusName: 'genesys-events',
  GenesysClientSecretKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:pipeline-alarms',
  EventArchiveRetentionDays: '0',
};

/** The properties whose change makes CloudFormation replace a resource (CloudFormation's "Update requires: Replacement"). */
export const REPLACING_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema'],
  'AWS::Events::EventBus': ['Name', 'EventSourceName'],
  'AWS::Events::Rule': ['Name', 'EventBusName'],
  'AWS::Events::Archive': ['ArchiveName', 'SourceArn'],
  'AWS::Lambda::EventSourceMapping': ['EventSourceArn', 'StartingPosition', 'SelfManagedEventSource'],
};

/** What no check on this machine can show; README's Deploying section says the same. */
export const NOT_CHECKABLE: readonly string[] = [
  "CloudFormation's own refusal of a parameter value (moto takes any): the values are checked against the template's constraints here instead",
  'rollback: moto never rolls a failed create or update back',
  'IAM evaluation: whether the roles are enough (moto does not enforce IAM); the policies are compared as text',
  "the partner event source's delivery from Genesys Cloud, and Lambda's real runtime (arm64, nodejs22.x)",
  'the Serverless transform as CloudFormation runs it: the same aws-sam-translator runs here, at the version on this machine',
];
