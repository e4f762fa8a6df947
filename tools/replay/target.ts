/**
 * Where a replay goes: the archive, the bus and the one rule of a deployed stack (its outputs, through
 * CloudFormation DescribeStacks) or of the running local stack (`.local/stack.json`), with an
 * EventBridge client for them.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DEFAULT_STACK_FILE, isRunning, readStackFile } from '../dlq/stack-file.js';
import { explainAwsError } from '../dlq/queues.js';
import { ReplayToolError } from './window.js';

/** The archive to replay from, the bus it replays onto and the rule it replays to. */
export interface ReplayTarget {
  /** What was resolved, for messages: `stack my-stack (eu-west-1)` or `local stack (.local/stack.json)`. */
  source: string;
  /** Whether this is the local stack, whose replay is moto's (local/stack/moto_server.py). */
  local: boolean;
  events: EventBridgeClient;
  archiveArn: string;
  busArn: string;
  ruleArn: string;
}

/** The outputs template.yaml declares for a replay (docs/contracts.md). */
const OUTPUTS = { archiveArn: 'EventArchiveArn', busArn: 'EventBusArn', ruleArn: 'ConversationEventsRuleArn' } as const;

function fromOutputs(where: string, outputs: Record<string, string | undefined>): Omit<ReplayTarget, 'source' | 'local' | 'events'> {
  if (outputs[OUTPUTS.archiveArn] === undefined) {
    throw new ReplayToolError(`${where} has no ${OUTPUTS.archiveArn}: it keeps no archive (EventArchiveRetentionDays 0, or deployed before archives); nothing can be replayed`);
  }
  const values = Object.fromEntries(
    Object.entries(OUTPUTS).map(([key, output]) => {
      const value = outputs[output];
      if (value === undefined) throw new ReplayToolError(`${where} has no output ${output}: is it a deployment of this template.yaml?`);
      return [key, value];
    }),
  );
  return values as Omit<ReplayTarget, 'source' | 'local' | 'events'>;
}

/** The replay target of a deployed stack, from its outputs. */
export async function targetFromStack(options: { stackName: string; region?: string; endpoint?: string }): Promise<ReplayTarget> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new ReplayToolError('no region: pass --region (or set AWS_REGION)');
  const clientConfig = { region, ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) };
  const cloudFormation = new CloudFormationClient(clientConfig);
  try {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: options.stackName }));
    const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    const source = `stack ${options.stackName} (${region})`;
    return { source, local: false, events: new EventBridgeClient(clientConfig), ...fromOutputs(`stack ${options.stackName}`, outputs) };
  } catch (error) {
    if (error instanceof ReplayToolError) throw error;
    throw explainAwsError(error, { stackName: options.stackName, region });
  } finally {
    cloudFormation.destroy();
  }
}

/** The replay target of the local stack that `npm start -- --keep-running` keeps up. */
export function targetFromStackFile(file: string = DEFAULT_STACK_FILE): ReplayTarget {
  const stack = readStackFile(file);
  if (stack === undefined) {
    throw new ReplayToolError(`no local stack running (no ${file}): start one with \`npm start -- --keep-running\`, or name a deployed one with --stack NAME --region REGION`);
  }
  if (!isRunning(stack.pid)) {
    throw new ReplayToolError(`the local stack of ${file} is not running (process ${stack.pid} has ended): start one with \`npm start -- --keep-running\``);
  }
  const target = fromOutputs(`the local stack of ${file}`, stack.outputs as unknown as Record<string, string | undefined>);
  const events = new EventBridgeClient({ endpoint: stack.endpoints.moto, region: stack.region, credentials: stack.credentials });
  return { source: `local stack (${file})`, local: true, events, ...target };
}
