/**
 * Processor Lambda: the "Update conversation" task of the workflow. Wiring only; the logic is in
 * process.ts. The one module that reads the environment: a misconfigured function fails at init.
 * A thrown error's `name` becomes Lambda's errorType, which the state machine's Retry/Catch match.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readProcessorConfig } from '../shared/config.js';
import { parseWorkflowInput } from '../shared/events.js';
import { createGenesys, createSecretsProvider } from '../shared/genesys/index.js';
import { metrics } from '../shared/metrics.js';
import { logger } from '../shared/powertools.js';
import { processEvent, type ProcessorResult } from './process.js';

const config = readProcessorConfig();
const { client } = createGenesys(config, { secrets: createSecretsProvider(), logger, metrics });

/** Validates the task payload and writes its attributes back to Genesys. */
async function updateConversation(event: unknown, context: Context): Promise<ProcessorResult> {
  try {
    // Before validation, so that a payload it refuses still logs the message it came from.
    const messageId = (event as { messageId?: unknown } | null)?.messageId;
    if (typeof messageId === 'string' && messageId.length <= 128) logger.appendKeys({ messageId });
    const input = parseWorkflowInput(event);
    logger.appendKeys({ conversationId: input.body.conversationId, messageId: input.messageId, eventId: input.eventId, kind: input.kind });
    if (input.correlationId !== undefined) logger.setCorrelationId(input.correlationId);
    return await processEvent(input, { client, logger, remainingMs: () => context.getRemainingTimeInMillis() });
  } catch (error) {
    // Logged here once with the event's keys; the rethrow is what Step Functions sees (errorType = name).
    logger.warn('Update failed', error as Error);
    throw error;
  }
}

/** The Lambda entry point (template.yaml: ProcessorFunction, `handler.handler`). */
export const handler = middy<unknown, ProcessorResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  // Flushes the invocation's metrics (Genesys requests, token requests) as one EMF line, also when it throws.
  .use(logMetrics(metrics))
  .handler(updateConversation);
