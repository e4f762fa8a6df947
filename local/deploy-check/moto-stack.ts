/**
 * A stack in moto's CloudFormation, driven as `sam deploy` drives CloudFormation: the artifacts uploaded to the
 * artifact bucket, the partner event source Genesys would have made, then create, update and delete of the stack.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  type Output,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateEventBusCommand, CreatePartnerEventSourceCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_ACCOUNT, localClientConfig } from '../stack/moto.js';
import type { Template } from '../../template/index.js';
import type { Artifact } from './package.js';

/** Raised when moto's CloudFormation does not reach the state a deploy must end in. */
export class StackOperationError extends Error {
  override readonly name = 'StackOperationError';
}

/** A stack resource: the logical id, its type and the physical id CloudFormation gave it. */
export interface StackResource {
  logicalId: string;
  type: string;
  physicalId: string;
}

/** What a create or an update left. */
export interface StackState {
  status: string;
  /** The stack's ARN, which `AWS::StackId` answers. */
  stackId?: string;
  resources: Map<string, StackResource>;
  outputs: Map<string, string>;
}

/** One stack in moto. */
export class MotoStack {
  private readonly cloudFormation: CloudFormationClient;

  constructor(
    readonly endpoint: string,
    readonly stackName: string,
  ) {
    // One attempt: moto runs a whole create inside the call, and the SDK's retry of a slow or failed one would
    // answer "already exists" in place of the real failure.
    this.cloudFormation = new CloudFormationClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  }

  /** The artifact bucket `sam deploy --resolve-s3` makes, with the packaged code and definition in it. */
  async upload(bucket: string, artifacts: readonly Artifact[]): Promise<void> {
    const s3 = new S3Client({ ...localClientConfig(this.endpoint), forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      for (const artifact of artifacts) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: artifact.key, Body: artifact.bytes }));
    } finally {
      s3.destroy();
    }
  }

  /** The partner event source Genesys creates when the EventBridge integration is added (the stack's bus needs one). */
  async createPartnerEventSource(name: string): Promise<void> {
    await this.#withEventBridge((eventBridge) => eventBridge.send(new CreatePartnerEventSourceCommand({ Name: name, Account: LOCAL_ACCOUNT })));
  }

  /** A bus that exists before the stack (ExistingEventBusName), as one made outside it would. */
  async createEventBus(name: string): Promise<void> {
    await this.#withEventBridge((eventBridge) => eventBridge.send(new CreateEventBusCommand({ Name: name })));
  }

  async #withEventBridge(use: (eventBridge: EventBridgeClient) => Promise<unknown>): Promise<void> {
    const eventBridge = new EventBridgeClient(localClientConfig(this.endpoint));
    try {
      await use(eventBridge);
    } finally {
      eventBridge.destroy();
    }
  }

  private static parametersOf(values: Record<string, string>): { ParameterKey: string; ParameterValue: string }[] {
    return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
  }

  /** Creates the stack as `sam deploy` does (CAPABILITY_IAM, from samconfig.toml) and waits until it settles. */
  async create(template: Template, parameters: Record<string, string>): Promise<StackState> {
    await this.guard('create', () =>
      this.cloudFormation.send(
        new CreateStackCommand({ StackName: this.stackName, TemplateBody: JSON.stringify(template), Parameters: MotoStack.parametersOf(parameters), Capabilities: ['CAPABILITY_IAM'] }),
      ),
    );
    return this.settled('CREATE_COMPLETE');
  }

  /** Updates the stack with a new template and parameters and waits until it settles. */
  async update(template: Template, parameters: Record<string, string>): Promise<StackState> {
    await this.guard('update', () =>
      this.cloudFormation.send(
        new UpdateStackCommand({ StackName: this.stackName, TemplateBody: JSON.stringify(template), Parameters: MotoStack.parametersOf(parameters), Capabilities: ['CAPABILITY_IAM'] }),
      ),
    );
    return this.settled('UPDATE_COMPLETE');
  }

  /** Deletes the stack and waits until it is gone. */
  async delete(): Promise<void> {
    await this.guard('delete', () => this.cloudFormation.send(new DeleteStackCommand({ StackName: this.stackName })));
    await this.settled('DELETE_COMPLETE');
  }

  destroy(): void {
    this.cloudFormation.destroy();
  }

  private async guard(operation: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      // moto runs the whole operation inside the call: a resource it cannot make fails the call itself.
      throw new StackOperationError(`${operation} of ${this.stackName} failed: ${await motoMessage(error)}${await this.failedEvents()}`);
    }
  }

  private async failedEvents(): Promise<string> {
    try {
      const { StackEvents = [] } = await this.cloudFormation.send(new DescribeStackEventsCommand({ StackName: this.stackName }));
      const failed = StackEvents.filter((event) => event.ResourceStatus?.endsWith('FAILED'));
      return failed.map((event) => `\n  ${event.LogicalResourceId}: ${event.ResourceStatusReason ?? event.ResourceStatus}`).join('');
    } catch {
      return '';
    }
  }

  /**
   * Waits for the stack to leave *_IN_PROGRESS. moto never rolls back and leaves a failed create IN_PROGRESS,
   * so a status other than `expected` after the wait is a failure, named with its events.
   */
  private async settled(expected: string): Promise<StackState> {
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const stacks = await this.cloudFormation.send(new DescribeStacksCommand({ StackName: this.stackName })).catch((error: Error) => {
        if (expected === 'DELETE_COMPLETE' && /does not exist/.test(error.message)) return { Stacks: [{ StackStatus: 'DELETE_COMPLETE' } as Stack] };
        throw error;
      });
      const stack = stacks.Stacks?.[0];
      const status = stack?.StackStatus ?? 'UNKNOWN';
      if (status === expected) return { status, stackId: stack?.StackId, resources: expected === 'DELETE_COMPLETE' ? new Map() : await this.resources(), outputs: outputsOf(stack?.Outputs) };
      if (!status.endsWith('_IN_PROGRESS')) throw new StackOperationError(`${this.stackName} ended ${status}, not ${expected}${await this.failedEvents()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new StackOperationError(`${this.stackName} did not reach ${expected} in 30 s${await this.failedEvents()}`);
  }

  private async resources(): Promise<Map<string, StackResource>> {
    const resources = new Map<string, StackResource>();
    let NextToken: string | undefined;
    do {
      const page = await this.cloudFormation.send(new ListStackResourcesCommand({ StackName: this.stackName, NextToken }));
      for (const summary of page.StackResourceSummaries ?? []) {
        if (summary.LogicalResourceId === undefined) continue;
        resources.set(summary.LogicalResourceId, { logicalId: summary.LogicalResourceId, type: summary.ResourceType ?? '', physicalId: summary.PhysicalResourceId ?? '' });
      }
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return resources;
  }
}

function outputsOf(outputs: readonly Output[] | undefined): Map<string, string> {
  return new Map((outputs ?? []).flatMap((output) => (output.OutputKey === undefined ? [] : [[output.OutputKey, output.OutputValue ?? '']])));
}

/**
 * moto answers a failure inside a CloudFormation call as JSON, which the SDK's XML parser cannot read: the message
 * is taken from the raw body the SDK keeps.
 */
async function motoMessage(error: unknown): Promise<string> {
  const body = (error as { $response?: { body?: AsyncIterable<Uint8Array | string> | string } }).$response?.body;
  if (body === undefined) return (error as Error).message;
  let text = '';
  if (typeof body === 'string') text = body;
  else for await (const chunk of body) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  try {
    const parsed = JSON.parse(text) as { __type?: string; message?: string };
    return `${parsed.__type ?? 'Error'}: ${parsed.message ?? text}`;
  } catch {
    return text === '' ? (error as Error).message : text.slice(0, 1_000);
  }
}
