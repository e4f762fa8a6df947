/**
 * Dead-lettering: a record the pipeline gives up on goes to the EventsDeadLetterQueue with its original
 * body and the reason as message attributes (docs/contracts.md, "Parked messages"), and is counted.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { DispatcherConfig } from '../shared/config.js';
import { errorMessageOf } from '../shared/errors.js';
import { countWithDimension, MetricName, noMetrics, type MetricsSink } from '../shared/metrics-sink.js';
import type { RecordFailure } from './outcome.js';

/** Sending a parked message to the DLQ failed: the record fails so that SQS keeps it. */
export class DeadLetterSendFailed extends Error {
  override readonly name = 'DeadLetterSendFailed';
}

/** Longest `errorMessage` attribute a parked message carries. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** What parking needs. */
export interface DeadLetterDeps {
  sqs: SQSClient;
  config: Pick<DispatcherConfig, 'deadLetterQueueUrl'>;
  logger: Logger;
  metrics?: MetricsSink;
}

/** SQS's ApproximateReceiveCount; 1 when absent (a hand-made event). */
export function receiveCountOf(record: SQSRecord): number {
  const count = Number.parseInt(record.attributes?.ApproximateReceiveCount ?? '', 10);
  return Number.isSafeInteger(count) && count >= 1 ? count : 1;
}

/**
 * Sends the original body to the DLQ with the reason. Never aborted by the invocation's deadline: it is
 * how a record is handed over, and its own time budget (functions/shared/aws-clients.ts) bounds it.
 * @throws DeadLetterSendFailed
 */
export async function park(record: SQSRecord, failure: RecordFailure, deps: DeadLetterDeps): Promise<void> {
  const attribute = (value: string) => ({ DataType: 'String', StringValue: attributeText(value) });
  try {
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: deps.config.deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: {
          errorName: attribute(failure.errorName),
          errorMessage: attribute(failure.errorMessage),
          sourceMessageId: attribute(record.messageId),
          receiveCount: attribute(String(receiveCountOf(record))),
        },
      }),
    );
  } catch (error) {
    throw new DeadLetterSendFailed(`could not park the record in the DLQ: ${errorMessageOf(error)}`, { cause: error });
  }
  countWithDimension(deps.metrics ?? noMetrics, MetricName.EventsParked, 'errorName', failure.errorName);
  deps.logger.error('record parked in the DLQ', { ...failure });
}

/** `text` cut to `max` characters (whole code points), with an ellipsis when cut. */
export function truncate(text: string, max = MAX_ERROR_MESSAGE_LENGTH): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** SQS accepts only XML characters in attribute values, and no empty value. */
function attributeText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = truncate(value).replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?');
  return clean === '' ? '-' : clean;
}
