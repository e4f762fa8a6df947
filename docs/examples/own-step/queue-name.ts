/**
 * A worked example of an action's own step (docs/actions.md, "Your own step"): a Lambda function the workflow calls
 * before the writes, whose output the action's templates read as `{{step.*}}`. This one names the event's queue from a
 * map in its environment; yours might read DynamoDB or a CRM. It gets the whole workflow input (the event, its action).
 */

/** The part of the workflow input this step reads. */
interface StepInput {
  body?: { queueId?: unknown };
}

/** Queue id → name, from QUEUE_NAMES (JSON), read once per execution environment. */
const QUEUE_NAMES: Record<string, string> = JSON.parse(process.env.QUEUE_NAMES ?? '{}') as Record<string, string>;

/** An event this step cannot name a queue for: the workflow's Catch ends it in its Fail state, and the dispatcher parks it with this name. */
class NoQueueId extends Error {
  override readonly name = 'NoQueueId';
}

/**
 * What `{{step.queueName}}` renders. An unknown queue is named so: the write still lands, and says it.
 * @throws NoQueueId when the event carries no queueId.
 */
export async function handler(input: StepInput): Promise<{ queueName: string }> {
  const queueId = input.body?.queueId;
  if (typeof queueId !== 'string') throw new NoQueueId('the acd.end event carries no queueId to name');
  return { queueName: QUEUE_NAMES[queueId] ?? `unknown queue ${queueId}` };
}
