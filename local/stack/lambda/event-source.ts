/**
 * The template's SQS event source mapping, run locally: the function whose SQS event reads the queue,
 * polled with that event's settings (BatchSize, MaximumBatchingWindowInSeconds, ScalingConfig,
 * FunctionResponseTypes), as Lambda's event source mapping would.
 * @see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sqs.html
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getProperties, resourcesOfType } from '../../../template/index.js';
import type { TemplateResolver } from '../../../template/resolver.js';
import { startSqsPoller, type SqsPoller } from './sqs-poller.js';
import type { LambdaInvoker } from './runtime.js';

/** One SQS event of a function, resolved. */
export interface SqsEventSource {
  /** The logical id of the function it invokes. */
  functionId: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  maximumConcurrency: number;
  reportBatchItemFailures: boolean;
}

type FunctionEvent = { Type: string; Properties?: Record<string, unknown> };

/** The SQS events of every function whose resolved `Queue` is `queueArn`. */
function sqsEventsOn(resolver: TemplateResolver, queueArn: string): SqsEventSource[] {
  const { template } = resolver;
  return resourcesOfType(template, 'AWS::Serverless::Function').flatMap((functionId) => {
    const events = Object.values((getProperties(template, functionId).Events ?? {}) as Record<string, FunctionEvent>);
    return events
      .filter((event) => event.Type === 'SQS' && resolver.resolve(event.Properties?.Queue) === queueArn)
      .map((event) => {
        const source = resolver.resolve(event.Properties) as Record<string, unknown>;
        return {
          functionId,
          batchSize: Number(source.BatchSize ?? 10),
          maximumBatchingWindowInSeconds: Number(source.MaximumBatchingWindowInSeconds ?? 0),
          maximumConcurrency: Number((source.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency ?? 1000),
          reportBatchItemFailures: ((source.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
        };
      });
  });
}

/**
 * The one function whose SQS event reads `queueArn` (the EventsQueue: the dispatcher), with its settings.
 * @throws Error when no function, or more than one, reads that queue: the local stack polls it once.
 */
export function eventSourceOf(resolver: TemplateResolver, queueArn: string): SqsEventSource {
  const sources = sqsEventsOn(resolver, queueArn);
  const [source] = sources;
  if (source === undefined || sources.length > 1) {
    throw new Error(`template.yaml needs exactly one function with an SQS event on ${queueArn}, found ${sources.length}`);
  }
  return source;
}

/** What `startEventSource` polls and what it invokes. */
export interface EventSourceOptions {
  resolver: TemplateResolver;
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Runs the function the event source names: the local Lambda runtime is one. */
  lambda: LambdaInvoker;
  /** Long-poll wait of each receive (default 20). */
  waitTimeSeconds?: number;
  timeScale: number;
}

/** Starts polling the queue for the function whose SQS event reads it (see {@link eventSourceOf}). */
export function startEventSource(options: EventSourceOptions): SqsPoller {
  const { functionId, ...settings } = eventSourceOf(options.resolver, options.queueArn);
  return startSqsPoller({
    ...settings,
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    queueArn: options.queueArn,
    invoke: (event) => options.lambda.invoke(functionId, event),
    waitTimeSeconds: options.waitTimeSeconds,
    timeScale: options.timeScale,
  });
}
