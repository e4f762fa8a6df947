/**
 * Factories for the events the tests feed the functions: Genesys conversation events built on the
 * real samples in tests/fixtures/genesys-events/, and the SQS records and batches that carry them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { DispatcherConfig } from '../../functions/shared/config.js';

/** The fixture files, by name without `.json`. */
export const FIXTURES = ['customer-start', 'customer-end'] as const;
export type FixtureName = (typeof FIXTURES)[number];

/** A fixture's raw JSON text. */
export function fixtureText(name: FixtureName): string {
  return readFileSync(new URL(`../fixtures/genesys-events/${name}.json`, import.meta.url), 'utf8');
}

/** A Genesys conversation event as EventBridge delivers it. */
export interface GenesysEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    topicName: string;
    version: string;
    eventBody: Record<string, unknown> & { conversationId: string; participantId?: string; eventTime?: number };
    metadata: { CorrelationId?: string };
    timestamp: string;
  };
}

/** What a test may vary in a Genesys event. */
export interface GenesysEventOptions {
  /** The event kind, e.g. `customer.start`, `acw`; sets detail-type and topicName. */
  kind?: string;
  conversationId?: string;
  participantId?: string;
  eventTime?: number;
  /** EventBridge event id. */
  id?: string;
  correlationId?: string;
  /** Extra or replaced `eventBody` fields. */
  body?: Record<string, unknown>;
}

/** A conversation event of any kind, built on the customer-start sample. */
export function genesysEvent(options: GenesysEventOptions = {}): GenesysEvent {
  const event = JSON.parse(fixtureText('customer-start')) as GenesysEvent;
  const kind = options.kind ?? 'customer.start';
  const conversationId = options.conversationId ?? event.detail.eventBody.conversationId;
  event['detail-type'] = `v2.detail.events.conversation.{id}.${kind}`;
  event.detail.topicName = `v2.detail.events.conversation.${conversationId}.${kind}`;
  event.detail.eventBody = { ...event.detail.eventBody, conversationId, ...options.body };
  if (options.participantId !== undefined) event.detail.eventBody.participantId = options.participantId;
  if (options.eventTime !== undefined) event.detail.eventBody.eventTime = options.eventTime;
  if (options.id !== undefined) event.id = options.id;
  if (options.correlationId !== undefined) event.detail.metadata.CorrelationId = options.correlationId;
  return event;
}

/** What a test may vary in an SQS record. */
export interface SqsRecordOptions {
  /** The message body: a string as it is, anything else as JSON. Defaults to a customer.start event. */
  body?: unknown;
  messageId?: string;
  receiveCount?: number;
  receiptHandle?: string;
}

export const EVENTS_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:EventsQueue';

/** An SQS record as the Lambda event source mapping delivers it. */
export function sqsRecord(options: SqsRecordOptions = {}): SQSRecord {
  const messageId = options.messageId ?? randomUUID();
  const body = options.body === undefined ? JSON.stringify(genesysEvent()) : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: options.receiptHandle ?? `receipt-${messageId}-${options.receiveCount ?? 1}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: now,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: EVENTS_QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event with these records. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A dispatcher configuration as template.yaml would give it, with short redelivery delays for tests. */
export function dispatcherConfig(overrides: Partial<DispatcherConfig> = {}): DispatcherConfig {
  return {
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ProcessEventStateMachine',
    idempotencyTableName: 'IdempotencyTable',
    idempotencyExpirySeconds: 7200,
    eventsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/EventsQueue',
    deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/EventsDeadLetterQueue',
    retryBaseDelaySeconds: 2,
    retryMaxDelaySeconds: 300,
    maxReceiveCount: 5,
    workflowTimeoutSeconds: 30,
    ...overrides,
  };
}

/** The dispatcher's environment as template.yaml sets it (with short redelivery delays), for importing its handler in a test. */
export function dispatcherEnvironment(): Record<string, string> {
  const config = dispatcherConfig({ workflowTimeoutSeconds: 150 });
  return {
    STATE_MACHINE_ARN: config.stateMachineArn,
    IDEMPOTENCY_TABLE_NAME: config.idempotencyTableName,
    IDEMPOTENCY_EXPIRY_SECONDS: String(config.idempotencyExpirySeconds),
    EVENTS_QUEUE_URL: config.eventsQueueUrl,
    DEAD_LETTER_QUEUE_URL: config.deadLetterQueueUrl,
    RETRY_BASE_DELAY_SECONDS: String(config.retryBaseDelaySeconds),
    RETRY_MAX_DELAY_SECONDS: String(config.retryMaxDelaySeconds),
    MAX_RECEIVE_COUNT: String(config.maxReceiveCount),
    WORKFLOW_TIMEOUT_SECONDS: String(config.workflowTimeoutSeconds),
    POWERTOOLS_SERVICE_NAME: 'dispatcher',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_REGION: 'us-east-1',
  };
}
