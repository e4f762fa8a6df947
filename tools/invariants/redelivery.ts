/**
 * The redelivery invariants (docs/reliability.md, "Retry window"): the dispatcher's redeliveries ride out an
 * outage for every maxReceiveCount a deployer may choose, and the idempotency record outlives them all.
 */
import { redeliveryWindowSeconds } from '../../functions/dispatcher/backoff.js';
import { functionEnvironment, getProperties, type Template } from '../../template/index.js';
import { IDS, dispatcherTimeout, numberOf, visibilityTimeout } from './values.js';

/** The largest maxReceiveCount the template allows: the parameter's MaxValue, or the literal. */
export function maxReceiveCountLimit(template: Template): number | undefined {
  const redrive = getProperties(template, IDS.queue).RedrivePolicy as { maxReceiveCount?: unknown } | undefined;
  const count = redrive?.maxReceiveCount;
  if (count !== null && typeof count === 'object' && 'Ref' in count) {
    return template.Parameters?.[String(count.Ref)]?.MaxValue;
  }
  return count === undefined ? undefined : Number(count);
}

/** IDEMPOTENCY_EXPIRY_SECONDS ≥ the largest maxReceiveCount × VisibilityTimeout: the record outlives every redelivery. */
export function checkIdempotencyExpiry(template: Template): string[] {
  const expiry = numberOf(template, functionEnvironment(template, IDS.dispatcher).IDEMPOTENCY_EXPIRY_SECONDS, 'IDEMPOTENCY_EXPIRY_SECONDS');
  const receives = maxReceiveCountLimit(template);
  if (receives === undefined) return [`${IDS.queue} maxReceiveCount has no upper bound (give its parameter a MaxValue)`];
  const needed = receives * visibilityTimeout(template);
  return expiry >= needed
    ? []
    : [`IDEMPOTENCY_EXPIRY_SECONDS ${expiry} is less than maxReceiveCount ${receives} × VisibilityTimeout = ${needed}`];
}

/**
 * The Genesys outage (or refusing token endpoint, or 429 storm) the redeliveries must ride out without
 * parking anything: 10 minutes, whatever the jitter draws (docs/reliability.md, "Retry window").
 */
export const MIN_REDELIVERY_WINDOW_SECONDS = 600;

/** Every maxReceiveCount a deployer may choose: the parameter's allowed values or range, or the literal. */
export function maxReceiveCountChoices(template: Template): number[] {
  const redrive = getProperties(template, IDS.queue).RedrivePolicy as { maxReceiveCount?: unknown } | undefined;
  const count = redrive?.maxReceiveCount;
  if (count === null || typeof count !== 'object' || !('Ref' in count)) return [numberOf(template, count, `${IDS.queue} maxReceiveCount`)];
  const parameter = template.Parameters?.[String(count.Ref)];
  if (parameter?.AllowedValues !== undefined) return parameter.AllowedValues.map(Number);
  const min = parameter?.MinValue ?? 1;
  // Without a MaxValue the range is open: check as far as SQS allows (maxReceiveCount ≤ 1000).
  const max = parameter?.MaxValue ?? 1000;
  return Array.from({ length: max - min + 1 }, (_, index) => min + index);
}

/**
 * For every MaxReceiveCount a deployer may choose, the dispatcher's redelivery delays (RETRY_BASE/MAX_DELAY_SECONDS,
 * equal jitter) span at least MIN_REDELIVERY_WINDOW_SECONDS, and the longest window plus its workflows stays
 * within the idempotency expiry.
 */
export function checkRedeliveryWindow(template: Template): string[] {
  const environment = functionEnvironment(template, IDS.dispatcher);
  const curve = {
    baseSeconds: numberOf(template, environment.RETRY_BASE_DELAY_SECONDS, 'RETRY_BASE_DELAY_SECONDS'),
    maxSeconds: numberOf(template, environment.RETRY_MAX_DELAY_SECONDS, 'RETRY_MAX_DELAY_SECONDS'),
  };
  const expiry = numberOf(template, environment.IDEMPOTENCY_EXPIRY_SECONDS, 'IDEMPOTENCY_EXPIRY_SECONDS');
  const violations: string[] = [];
  for (const receives of maxReceiveCountChoices(template)) {
    const { min, max } = redeliveryWindowSeconds(receives, curve);
    if (min < MIN_REDELIVERY_WINDOW_SECONDS) {
      violations.push(
        `${receives} receives span as little as ${min} s of redelivery delays (RETRY_BASE_DELAY_SECONDS ${curve.baseSeconds}, ` +
          `RETRY_MAX_DELAY_SECONDS ${curve.maxSeconds}): less than the ${MIN_REDELIVERY_WINDOW_SECONDS} s outage the pipeline must ride out`,
      );
    }
    const longest = max + receives * dispatcherTimeout(template);
    if (longest > expiry) violations.push(`${receives} receives can span ${longest} s, beyond IDEMPOTENCY_EXPIRY_SECONDS ${expiry}`);
  }
  return violations;
}
