/**
 * Where the DLQ tool finds the queues: a deployed stack's outputs (CloudFormation DescribeStacks),
 * or a running local stack's `.local/stack.json`. Either way it ends with an SQS client and the
 * URL and ARN of the EventsQueue and of both dead-letter queues.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_STACK_FILE, isRunning, readStackFile } from './stack-file.js';

/** A queue the tool reads or writes. */
export interface QueueRef {
  /** The template's logical id: EventsQueue, EventsDeadLetterQueue, RuleDeadLetterQueue. */
  name: string;
  url: string;
  arn: string;
}

/** The queues of one pipeline and a client to reach them. */
export interface PipelineQueues {
  /** What was resolved, for messages: `stack my-stack (eu-west-1)` or `local stack (.local/stack.json)`. */
  source: string;
  sqs: SQSClient;
  events: QueueRef;
  deadLetter: QueueRef;
  ruleDeadLetter: QueueRef;
}

/** A problem an operator can fix; the CLI prints its message alone and exits non-zero. */
export class DlqToolError extends Error {
  override readonly name = 'DlqToolError';
}

/** The outputs template.yaml declares for the queues (docs/contracts.md). */
const OUTPUTS = { events: 'EventsQueueUrl', deadLetter: 'EventsDeadLetterQueueUrl', ruleDeadLetter: 'RuleDeadLetterQueueUrl' } as const;
/** The queues' logical ids in template.yaml: the `name` of every QueueRef, which tells the two dead-letter queues apart. */
export const QUEUE_LOGICAL_IDS = { events: 'EventsQueue', deadLetter: 'EventsDeadLetterQueue', ruleDeadLetter: 'RuleDeadLetterQueue' } as const;

async function withArns(source: string, sqs: SQSClient, urls: Record<keyof typeof OUTPUTS, string>): Promise<PipelineQueues> {
  const ref = async (key: keyof typeof OUTPUTS): Promise<QueueRef> => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urls[key], AttributeNames: ['QueueArn'] }));
    if (Attributes?.QueueArn === undefined) throw new DlqToolError(`${source}: SQS did not return the ARN of ${urls[key]}`);
    return { name: QUEUE_LOGICAL_IDS[key], url: urls[key], arn: Attributes.QueueArn };
  };
  const [events, deadLetter, ruleDeadLetter] = await Promise.all([ref('events'), ref('deadLetter'), ref('ruleDeadLetter')]);
  return { source, sqs, events, deadLetter, ruleDeadLetter };
}

/** Turns the SDK's failures into what an operator should do about them. */
export function explainAwsError(error: unknown, context: { stackName?: string; region?: string }): Error {
  if (error instanceof DlqToolError) return error;
  const { name = '', message = String(error) } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new DlqToolError('no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws sso login`, then try again');
  }
  if (name === 'ValidationError' && /does not exist/.test(message)) {
    return new DlqToolError(`no stack named ${context.stackName ?? '?'} in ${context.region ?? 'this region'}: check --stack and --region (\`aws cloudformation list-stacks\`)`);
  }
  if (/ExpiredToken|UnrecognizedClientException|InvalidClientTokenId|SignatureDoesNotMatch/.test(name)) {
    return new DlqToolError(`AWS refused the credentials (${name}): refresh them, then try again`);
  }
  if (/AccessDenied/.test(name) || /not authorized/i.test(message)) {
    return new DlqToolError(`access denied: ${message}`);
  }
  return error instanceof Error ? error : new Error(message);
}

/** The queues of a deployed stack, from its outputs. */
export async function queuesFromStack(options: { stackName: string; region?: string; endpoint?: string }): Promise<PipelineQueues> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new DlqToolError('no region: pass --region (or set AWS_REGION)');
  const clientConfig = { region, ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) };
  const cloudFormation = new CloudFormationClient(clientConfig);
  const context = { stackName: options.stackName, region };
  try {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: options.stackName }));
    const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    const urls = Object.fromEntries(
      Object.entries(OUTPUTS).map(([key, output]) => {
        const url = outputs[output];
        if (url === undefined) throw new DlqToolError(`stack ${options.stackName} has no output ${output}: is it a deployment of this template.yaml?`);
        return [key, url];
      }),
    ) as Record<keyof typeof OUTPUTS, string>;
    return await withArns(`stack ${options.stackName} (${region})`, new SQSClient(clientConfig), urls);
  } catch (error) {
    throw explainAwsError(error, context);
  } finally {
    cloudFormation.destroy();
  }
}

/** The queues of the local stack that `npm start -- --keep-running` keeps up. */
export async function queuesFromStackFile(file: string = DEFAULT_STACK_FILE): Promise<PipelineQueues> {
  const stack = readStackFile(file);
  if (stack === undefined) {
    throw new DlqToolError(`no local stack running (no ${file}): start one with \`npm start -- --keep-running\`, or name a deployed one with --stack NAME --region REGION`);
  }
  if (!isRunning(stack.pid)) {
    throw new DlqToolError(`the local stack of ${file} is not running (process ${stack.pid} has ended): start one with \`npm start -- --keep-running\``);
  }
  const sqs = new SQSClient({
    endpoint: stack.endpoints.moto,
    region: stack.region,
    credentials: stack.credentials,
  });
  try {
    return await withArns(`local stack (${file})`, sqs, {
      events: stack.outputs.EventsQueueUrl,
      deadLetter: stack.outputs.EventsDeadLetterQueueUrl,
      ruleDeadLetter: stack.outputs.RuleDeadLetterQueueUrl,
    });
  } catch (error) {
    sqs.destroy();
    if (error instanceof DlqToolError) throw error;
    throw new DlqToolError(`the local stack of ${file} does not answer at ${stack.endpoints.moto} (stopped? started by process ${stack.pid}): ${(error as Error).message}`);
  }
}
