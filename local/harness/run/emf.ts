/**
 * Totals of one metric over the functions' log, read from the CloudWatch embedded metric format
 * (EMF) documents Powertools Metrics prints: `_aws.CloudWatchMetrics[].Metrics[].Name` declares a
 * metric, the document's member of that name holds its value or an array of values, `_aws.Timestamp`
 * says when it was published (epoch ms).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { isRecord } from '../../../functions/shared/events.js';

/** The EMF document of a log line, when it is one. */
function emfDocument(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return undefined;
  try {
    const document: unknown = JSON.parse(line);
    return isRecord(document) && isRecord(document._aws) ? document : undefined;
  } catch {
    return undefined;
  }
}

function declares(metadata: Record<string, unknown>, metric: string): boolean {
  const directives = Array.isArray(metadata.CloudWatchMetrics) ? (metadata.CloudWatchMetrics as unknown[]) : [];
  return directives.some((directive) => isRecord(directive) && Array.isArray(directive.Metrics) && directive.Metrics.some((m: unknown) => isRecord(m) && m.Name === metric));
}

function sum(value: unknown): number {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.reduce<number>((total, item) => total + (typeof item === 'number' ? item : 0), 0);
}

/** The sum of every value of `metric` the EMF documents of `log` published at or after `since`; other lines are skipped. */
export function metricTotal(log: string, metric: string, since = 0): number {
  let total = 0;
  for (const line of log.split('\n')) {
    const document = emfDocument(line.trim());
    const metadata = document?._aws as Record<string, unknown> | undefined;
    if (document === undefined || metadata === undefined || !declares(metadata, metric)) continue;
    if (typeof metadata.Timestamp === 'number' && metadata.Timestamp < since) continue;
    total += sum(document[metric]);
  }
  return total;
}
