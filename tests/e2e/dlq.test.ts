import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expectedState } from '../../local/harness/load/expected-state.js';
import { generateConversationEvents, type GeneratedLoad } from '../../local/harness/load/generate.js';
import { LOCAL_AWS_ENV } from '../../local/stack/moto.js';
import { compareState, runLoad, type RunSummary } from '../../local/harness/run.js';
import { writeStackFile } from '../../local/stack/stack-file.js';
import type { LocalStack } from '../../local/stack/index.js';
import { listParked, peekMessages, redrive, showMessage } from '../../tools/dlq/operations.js';
import { queuesFromStack, queuesFromStackFile, type PipelineQueues } from '../../tools/dlq/queues.js';
import { PROJECT_ROOT } from '../../template/index.js';
import { useTestStacks } from '../helpers/local-stack.js';

const exec = promisify(execFile);
const FORBIDDEN = 'Genesys.Forbidden';

/** `npm run dlq -- <args>` as a user runs it; resolves with its exit code and output. */
async function dlqCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'tools/dlq/cli.ts', ...args], { cwd: PROJECT_ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? -1, stdout, stderr };
  }
}

describe('npm run dlq against the local stack', () => {
  const stacks = useTestStacks('dlq-e2e-');
  const stackFile = join(stacks.scratch, 'stack.json');
  let stack: LocalStack;
  let load: GeneratedLoad;
  let forbiddenConversation: string;
  let summary: RunSummary;
  let queues: PipelineQueues;
  let parkedCount: number;

  beforeAll(async () => {
    load = generateConversationEvents({ events: 48, conversations: 4, seed: 11 });
    forbiddenConversation = load.conversations[0]!.id;
    stack = await stacks.start({
      // The OAuth client may not write to one conversation: its events park as Genesys.Forbidden.
      genesys: { faultRate: 0, forbiddenConversations: [forbiddenConversation] },
    });
    summary = await runLoad(stack, { events: load.events, conversations: load.conversations, ratePerSecond: 0, drainTimeoutMs: 240_000 });
    parkedCount = summary.parkedByReason[FORBIDDEN] ?? 0;
    writeStackFile(stack, stackFile);
    queues = await queuesFromStackFile(stackFile);
  }, 300_000);

  afterAll(() => queues?.sqs.destroy());

  it('parks the events of the forbidden conversation, and only those', () => {
    expect(parkedCount).toBeGreaterThan(0);
    expect(summary).toMatchObject({ lost: 0, parked: parkedCount, drained: true, state: { matches: true } });
  });

  it('logs every line of both functions with the SQS message id, and the conversation and correlation ids once known', () => {
    const lines = readFileSync(stack.logFile as string, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"level"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => typeof line.messageId !== 'string')).toEqual([]);
    expect(lines.filter((line) => 'kind' in line && (typeof line.conversationId !== 'string' || typeof line.correlation_id !== 'string'))).toEqual([]);
  });

  it('lists them grouped by errorName, with the count and the oldest', async () => {
    const [events, rule] = await listParked(queues);

    expect(events?.groups).toEqual([{ errorName: FORBIDDEN, count: parkedCount, oldestSentAt: expect.any(Number), oldestMessageId: events?.messages[0]?.messageId }]);
    expect(rule?.messages).toEqual([]);
  });

  it('lists them from the command line, finding the queues in the stack file', async () => {
    const { code, stdout } = await dlqCli(['list', '--local', stackFile]);

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`EventsDeadLetterQueue: ${parkedCount} parked messages`));
    expect(stdout).toMatch(new RegExp(`${FORBIDDEN.replace('.', '\\.')}\\s+${parkedCount}\\s`));
    expect(stdout).toContain('RuleDeadLetterQueue: empty');
  });

  it('shows one with its reason, its source message and its event, by either id', async () => {
    const [first] = await peekMessages(queues.sqs, queues.deadLetter);
    const byId = await showMessage(queues, first!.messageId);
    const bySource = await showMessage(queues, first!.sourceMessageId!);

    expect(byId).toMatchObject({ errorName: FORBIDDEN, conversationId: forbiddenConversation, attributes: { errorName: FORBIDDEN, receiveCount: expect.any(String) } });
    expect(byId.errorMessage).toMatch(/403/);
    expect(bySource.messageId).toBe(byId.messageId);
    const { code, stdout } = await dlqCli(['show', first!.messageId, '--local', stackFile]);
    expect(code).toBe(0);
    expect(stdout).toContain(`errorName   ${FORBIDDEN}`);
    expect(stdout).toContain(forbiddenConversation);
  });

  it('says what a dry run would move, and moves nothing', async () => {
    const result = await redrive(queues, { errorName: FORBIDDEN, dryRun: true });

    expect(result).toMatchObject({ method: 'dry-run', moved: parkedCount, skipped: 0, byErrorName: { [FORBIDDEN]: parkedCount } });
    expect(await peekMessages(queues.sqs, queues.deadLetter)).toHaveLength(parkedCount);
  });

  it('refuses to purge without confirmation', async () => {
    const { code, stderr } = await dlqCli(['purge', '--local', stackFile]);

    expect(code).toBe(1);
    expect(stderr).toContain('--yes');
    expect(await peekMessages(queues.sqs, queues.deadLetter)).toHaveLength(parkedCount);
  });

  it('once the cause is fixed, redrives them until every one is applied and nothing is lost', async () => {
    stack.simulator.configure({ forbiddenConversations: [] });

    // moto has no StartMessageMoveTask: the tool falls back to receive-send-delete and says so.
    const result = await redrive(queues);
    await stack.waitForDrain({ timeoutMs: 120_000 });

    expect(result).toMatchObject({ method: 'receive-send-delete', moved: parkedCount, skipped: 0, moveTaskUnavailable: expect.any(String) });
    expect(await peekMessages(queues.sqs, queues.deadLetter)).toEqual([]);
    expect(await stack.queueDepth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const conversations = new Set(load.conversations.map((conversation) => conversation.id));
    const actual = Object.fromEntries(Object.entries(stack.simulator.state()).filter(([id]) => conversations.has(id)));
    const comparison = compareState(expectedState(load.events, load.conversations), actual);
    expect(comparison.mismatches).toEqual([]);
    expect(actual[forbiddenConversation]).toBeDefined();
  });

  it('says so when there is nothing to redrive', async () => {
    const { code, stdout } = await dlqCli(['redrive', '--local', stackFile]);

    expect(code).toBe(0);
    expect(stdout).toContain('nothing to redrive: EventsDeadLetterQueue is empty');
  });
});

describe('npm run dlq: finding the queues', () => {
  const endpoint = process.env.MOTO_ENDPOINT as string;
  const awsEnv = { ...process.env, ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL: endpoint };

  it("reads a deployed stack's outputs", async () => {
    const cloudFormation = new CloudFormationClient({ endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: `dlq-tool-${name}` } });
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: 'dlq-tool-outputs',
        TemplateBody: JSON.stringify({
          Resources: { EventsQueue: queue('events'), EventsDeadLetterQueue: queue('dlq'), RuleDeadLetterQueue: queue('rule-dlq') },
          Outputs: {
            EventsQueueUrl: { Value: { Ref: 'EventsQueue' } },
            EventsDeadLetterQueueUrl: { Value: { Ref: 'EventsDeadLetterQueue' } },
            RuleDeadLetterQueueUrl: { Value: { Ref: 'RuleDeadLetterQueue' } },
          },
        }),
      }),
    );
    cloudFormation.destroy();

    const saved = { ...process.env };
    Object.assign(process.env, LOCAL_AWS_ENV);
    const found = await queuesFromStack({ stackName: 'dlq-tool-outputs', region: LOCAL_AWS_ENV.AWS_REGION, endpoint }).finally(() => {
      process.env = saved;
    });
    found.sqs.destroy();

    expect(found.source).toBe('stack dlq-tool-outputs (us-east-1)');
    expect(found.deadLetter).toEqual({ name: 'EventsDeadLetterQueue', url: expect.stringContaining('dlq-tool-dlq'), arn: expect.stringMatching(/^arn:aws:sqs:.*:dlq-tool-dlq$/) });
    const { code, stdout, stderr } = await dlqCli(['list', '--stack', 'dlq-tool-outputs', '--region', 'us-east-1', '--endpoint-url', endpoint], awsEnv);
    expect({ code, stderr: stderr.split('\n').filter((line) => line.startsWith('npm run dlq')) }).toEqual({ code: 0, stderr: [] });
    expect(stdout).toContain('EventsDeadLetterQueue: empty');
  });

  it('purges a dead-letter queue with --yes', async () => {
    const sqs = new SQSClient({ endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'dlq-tool-dlq' }));
    for (const body of ['{"a":1}', '{"b":2}']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));

    const { code, stdout } = await dlqCli(['purge', '--yes', '--stack', 'dlq-tool-outputs', '--region', 'us-east-1', '--endpoint-url', endpoint], awsEnv);

    expect(code).toBe(0);
    expect(stdout).toContain('purged EventsDeadLetterQueue: about 2 messages deleted');
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
    sqs.destroy();
  });

  it.each([
    ['an unknown stack', ['list', '--stack', 'no-such-stack', '--region', 'us-east-1'], () => awsEnv, /no stack named no-such-stack in us-east-1/],
    ['no region', ['list', '--stack', 'any'], () => ({ ...awsEnv, AWS_REGION: '', AWS_DEFAULT_REGION: '' }), /no region: pass --region/],
    ['no local stack', ['list', '--local', '/nonexistent/stack.json'], () => process.env, /no local stack running/],
    [
      'no credentials',
      ['list', '--stack', 'any', '--region', 'us-east-1'],
      () => ({
        PATH: process.env.PATH,
        HOME: mkdtempSync(join(tmpdir(), 'no-aws-')),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      }),
      /no AWS credentials: set AWS_PROFILE/,
    ],
  ])('explains %s in one line and exits 1', async (_what, args, env, message) => {
    const { code, stderr } = await dlqCli(args, env());

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
