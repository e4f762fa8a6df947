/**
 * The one Powertools Metrics instance of an execution environment: CloudWatch embedded metric format
 * (EMF) on stdout, flushed once per invocation by the middy `logMetrics` middleware. Namespace from
 * POWERTOOLS_METRICS_NAMESPACE (template.yaml: `GenesysEventsPipeline/<stack name>`), the `service`
 * dimension from POWERTOOLS_SERVICE_NAME. The names and dimensions are in metrics-sink.ts.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE } from './metrics-sink.js';
import { logger } from './powertools.js';

/** Powertools' warning when an invocation added nothing to the flushed instance. */
const NOTHING_TO_PUBLISH = 'No application metrics to publish';

/**
 * The Metrics instance. Its warnings go through the Logger, so they carry the invocation's keys. An
 * invocation may rightly publish nothing of its own (a batch that only parked, whose EventsParked
 * went out as single metrics; a task that failed before reaching Genesys): that warning is DEBUG here.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE?.trim() || DEFAULT_METRICS_NAMESPACE,
  logger: {
    debug: (...content: unknown[]) => logger.debug(String(content[0] ?? ''), ...rest(content)),
    info: (...content: unknown[]) => logger.info(String(content[0] ?? ''), ...rest(content)),
    warn: (...content: unknown[]) => {
      const message = String(content[0] ?? '');
      if (message.startsWith(NOTHING_TO_PUBLISH)) logger.debug(message);
      else logger.warn(message, ...rest(content));
    },
    error: (...content: unknown[]) => logger.error(String(content[0] ?? ''), ...rest(content)),
  },
});

function rest(content: unknown[]): Record<string, unknown>[] {
  return content.slice(1).filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
}
