import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeArchiveCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeTimeToLiveCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getProperties, loadTemplate } from '../../template/index.js';
import { LOCAL_AWS_ENV } from '../../local/stack/moto.js';
import { provisionFromTemplate, type ProvisionedResources } from '../../local/stack/provision.js';

const config = {
  endpoint: process.env.MOTO_ENDPOINT,
  region: LOCAL_AWS_ENV.AWS_REGION,
  credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
};
const template = loadTemplate();
const SOURCE = 'aws.partner/genesys.com/cloud/6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60/genesys-test';

describe('provisionFromTemplate', () => {
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  const secrets = new SecretsManagerClient(config);
  let provisioned: ProvisionedResources;

  beforeAll(async () => {
    provisioned = await provisionFromTemplate({
      endpoint: process.env.MOTO_ENDPOINT ?? '',
      template,
      parameters: { GenesysEventSourceName: SOURCE, MaxReceiveCount: 3 },
      busName: `genesys-${randomUUID()}`,
      secretValue: { clientId: 'client-id', clientSecret: 'client-secret' },
      stackName: `test-${randomUUID().slice(0, 8)}`,
    });
  });

  afterAll(() => {
    for (const client of [sqs, events, dynamodb, secrets]) client.destroy();
  });

  it('creates the EventsQueue with the template attributes and the redrive from the parameter', async () => {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: provisioned.eventsQueueUrl, AttributeNames: ['All'] }));
    const properties = getProperties(template, 'EventsQueue');

    expect(Attributes.VisibilityTimeout).toBe(String(properties.VisibilityTimeout));
    expect(Attributes.MessageRetentionPeriod).toBe(String(properties.MessageRetentionPeriod));
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: provisioned.resources.EventsDeadLetterQueue?.attributes?.Arn,
      maxReceiveCount: 3,
    });
  });

  it('shrinks the queues\' VisibilityTimeout with the time scale, as the functions\' timeouts shrink', async () => {
    const scaled = await provisionFromTemplate({
      endpoint: process.env.MOTO_ENDPOINT ?? '',
      template,
      parameters: { GenesysEventSourceName: SOURCE },
      busName: `genesys-${randomUUID()}`,
      secretValue: { clientId: 'client-id', clientSecret: 'client-secret' },
      stackName: `test-${randomUUID().slice(0, 8)}`,
      timeScale: 5,
    });
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: scaled.eventsQueueUrl, AttributeNames: ['VisibilityTimeout'] }));

    expect(Number(Attributes.VisibilityTimeout)).toBe(Number(getProperties(template, 'EventsQueue').VisibilityTimeout) / 5);
  });

  it('routes a Genesys conversation event on the stand-in bus to the EventsQueue as the event envelope', async () => {
    const detail = { topicName: 'v2.detail.events.conversation.6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60.customer.start', eventBody: { conversationId: 'x' } };
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: provisioned.busName, Source: SOURCE, DetailType: 'v2.detail.events.conversation.{id}.customer.start', Detail: JSON.stringify(detail) },
          // Neither matches the rule: another topic, another source.
          { EventBusName: provisioned.busName, Source: SOURCE, DetailType: 'v2.detail.events.users.{id}.presence', Detail: '{}' },
          { EventBusName: provisioned.busName, Source: 'com.example', DetailType: 'v2.detail.events.conversation.{id}.acw', Detail: '{}' },
        ],
      }),
    );
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: provisioned.eventsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));

    expect(put.FailedEntryCount).toBe(0);
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? '')).toMatchObject({
      id: put.Entries?.[0]?.EventId,
      version: '0',
      'detail-type': 'v2.detail.events.conversation.{id}.customer.start',
      source: SOURCE,
      region: 'us-east-1',
      resources: [],
      time: expect.any(String),
      detail,
    });
  });

  it('creates the event archive of the stand-in bus with the template\'s pattern and retention', async () => {
    const archiveName = provisioned.resources.EventArchive?.ref ?? '';
    const archive = await events.send(new DescribeArchiveCommand({ ArchiveName: archiveName }));
    const properties = getProperties(template, 'EventArchive');

    expect(provisioned.archiveArn).toBe(archive.ArchiveArn);
    expect(archive).toMatchObject({ EventSourceArn: provisioned.busArn, RetentionDays: Number(template.Parameters!.EventArchiveRetentionDays!.Default) });
    expect(JSON.parse(archive.EventPattern ?? '{}')).toEqual(properties.EventPattern);
  });

  it('creates the idempotency table with its key schema and TTL', async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: provisioned.tableName }));
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: provisioned.tableName }));

    expect(Table?.KeySchema).toEqual(getProperties(template, 'IdempotencyTable').KeySchema);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiration', TimeToLiveStatus: 'ENABLED' });
  });

  it('stores the simulator client in the secret the processor reads', async () => {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: provisioned.secretArn }));

    expect(JSON.parse(SecretString ?? '')).toEqual({ clientId: 'client-id', clientSecret: 'client-secret' });
  });

  it('resolves the function environment against what it created', () => {
    expect(provisioned.resolver.resolve(getProperties(template, 'DispatcherFunction').Environment)).toMatchObject({
      Variables: {
        EVENTS_QUEUE_URL: provisioned.eventsQueueUrl,
        DEAD_LETTER_QUEUE_URL: provisioned.deadLetterQueueUrl,
        IDEMPOTENCY_TABLE_NAME: provisioned.tableName,
        STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:ProcessEventStateMachine',
      },
    });
  });
});
