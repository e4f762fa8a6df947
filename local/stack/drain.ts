/** How full a queue of the stack is, and waiting until the stack has nothing left to do. */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Messages in a queue, by state. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Raised when the stack does not drain in time. */
export class DrainTimeoutError extends Error {
  override readonly name = 'DrainTimeoutError';
}

/** The depth of a queue, from moto's approximate counts. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** The parts whose work `waitForDrain` waits out. */
export interface DrainingParts {
  /** The depth of the queue the event source reads. */
  depth(): Promise<QueueDepth>;
  poller: { readonly busy: boolean };
  lambda: { readonly busy: boolean; stats(): Record<string, { running: number }> };
  stepFunctions: { readonly busy: boolean; stats(): { inFlight: number } };
}

/**
 * Resolves once the queue is empty (in flight and delayed included) and no invocation or execution
 * runs, twice in a row; rejects with DrainTimeoutError after `timeoutMs`.
 */
export async function waitForDrain(parts: DrainingParts, { timeoutMs = 60_000, pollMs = 100 } = {}): Promise<void> {
  const { poller, lambda, stepFunctions } = parts;
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  let depth: QueueDepth = { visible: 0, inFlight: 0, delayed: 0 };
  while (Date.now() < deadline) {
    const idle = !poller.busy && !lambda.busy && !stepFunctions.busy;
    depth = await parts.depth();
    const empty = depth.visible + depth.inFlight + depth.delayed === 0;
    // Twice in a row: moto's counts and a poller between receive and invoke can both blink.
    quietChecks = idle && empty && !poller.busy ? quietChecks + 1 : 0;
    if (quietChecks >= 2) return;
    await new Promise((done) => setTimeout(done, pollMs));
  }
  const running = Object.values(lambda.stats()).reduce((sum, fn) => sum + fn.running, 0);
  throw new DrainTimeoutError(
    `the stack did not drain within ${timeoutMs} ms: EventsQueue ${JSON.stringify(depth)}, ` +
      `invocations running ${running}, executions in flight ${stepFunctions.stats().inFlight}`,
  );
}
