import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { readActions, templateTextFor } from '../../tools/actions/index.js';
import { checkKinds, coverageWarnings, kindsNotPassed, ReplayFailedError, replayName, ruleOfArn, runReplay, type ReplayProgress } from '../../tools/replay/replay.js';
import { targetFromStack, type ReplayTarget } from '../../tools/replay/target.js';
import { parseKinds, parseWindow, ReplayToolError } from '../../tools/replay/window.js';
import { loadTemplate, parseTemplate, PROJECT_ROOT } from '../../template/index.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/aws.partner/genesys.com/cloud/org/pipeline';
const RULE_ARN = 'arn:aws:events:eu-west-1:123456789012:rule/aws.partner/genesys.com/cloud/org/pipeline/stack-GenesysConversationEventsRule-ABC';
const ARCHIVE_ARN = 'arn:aws:events:eu-west-1:123456789012:archive/stack-EventArchive-XYZ';

describe('replay window', () => {
  it('reads --from and --to as ISO 8601 times with their zone, and the kinds', () => {
    expect(parseWindow({ from: '2026-12-02T09:00:00Z', to: '2026-12-02T10:30+01:00', kinds: 'customer.start, acw,acw' }, NOW)).toEqual({
      from: new Date('2026-12-02T09:00:00Z'),
      to: new Date('2026-12-02T09:30:00Z'),
      kinds: ['customer.start', 'acw'],
    });
  });

  it.each([
    [{ to: '2026-12-02T10:00:00Z' }, /--from is required/],
    [{ from: '2026-12-02T09:00:00Z' }, /--to is required/],
    [{ from: '2026-12-02T09:00:00', to: '2026-12-02T10:00:00Z' }, /--from 2026-12-02T09:00:00 is not an ISO 8601 time with its zone/],
    [{ from: 'yesterday', to: '2026-12-02T10:00:00Z' }, /--from yesterday is not an ISO 8601 time/],
    [{ from: '2026-13-02T09:00:00Z', to: '2026-12-02T10:00:00Z' }, /is not an ISO 8601 time/],
    [{ from: '2026-12-02T10:00:00Z', to: '2026-12-02T10:00:00Z' }, /--from 2026-12-02T10:00:00.000Z must be before --to/],
    [{ from: '2026-12-02T11:00:00Z', to: '2026-12-02T10:00:00Z' }, /must be before --to/],
    [{ from: '2026-12-02T11:00:00Z', to: '2026-12-02T12:00:01Z' }, /--to 2026-12-02T12:00:01.000Z is in the future/],
  ])('refuses %j', (flags, message) => {
    expect(() => parseWindow(flags, NOW)).toThrow(ReplayToolError);
    expect(() => parseWindow(flags, NOW)).toThrow(message);
  });

  it('refuses a kind Genesys does not have, and an empty list', () => {
    expect(() => parseKinds('customer.start,customer.begin')).toThrow(/customer\.begin is not a conversation kind/);
    expect(() => parseKinds(' , ')).toThrow(/names no kind/);
    expect(parseKinds(undefined)).toEqual([]);
  });

  it('names its errors', () => {
    expect(new ReplayToolError('x').name).toBe('ReplayToolError');
    expect(new ReplayFailedError('r', 'FAILED', 'why').name).toBe('ReplayFailedError');
  });
});

describe('replay names and ARNs', () => {
  it('makes a name EventBridge accepts (1 to 64 of [.-_A-Za-z0-9]), different for each replay', () => {
    const name = replayName(NOW, Buffer.from([1, 2, 3, 4]));
    expect(name).toBe('genesys-replay-20261202T120000Z-01020304');
    expect(name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
    expect(replayName(NOW)).not.toBe(replayName(NOW));
  });

  it('reads the rule and its bus from a rule ARN, the partner bus with slashes included', () => {
    expect(ruleOfArn(RULE_ARN)).toEqual({ name: 'stack-GenesysConversationEventsRule-ABC', bus: 'aws.partner/genesys.com/cloud/org/pipeline' });
    expect(ruleOfArn('arn:aws:events:us-east-1:123456789012:rule/plain')).toEqual({ name: 'plain', bus: 'default' });
  });

  it('tells the kinds a rule pattern does not pass', () => {
    const pattern = JSON.stringify({ source: [{ prefix: 'aws.partner/genesys.com' }], 'detail-type': [{ wildcard: 'v2.detail.events.conversation.*.acw' }] });
    expect(kindsNotPassed(pattern, ['acw', 'customer.start'])).toEqual(['customer.start']);
  });
});

describe('the archive in template.yaml', () => {
  const template = loadTemplate();
  const archive = template.Resources.EventArchive!;

  it('archives every conversation kind of the bus, not only those actions.yaml acts on', () => {
    expect(archive.Condition).toBe('HasEventArchive');
    expect(archive.Properties!.EventPattern).toEqual({ source: [{ prefix: 'aws.partner/genesys.com' }], 'detail-type': [{ prefix: 'v2.detail.events.conversation.' }] });
  });

  it('keeps its pattern when npm run actions rewrites the rule\'s', () => {
    const text = readFileSync(resolve(PROJECT_ROOT, 'template.yaml'), 'utf8');
    const changed = parseTemplate(templateTextFor(text, readActions(resolve(PROJECT_ROOT, 'docs/examples/actions.example.yaml'))));
    expect(changed.Resources.EventArchive!.Properties!.EventPattern).toEqual(archive.Properties!.EventPattern);
    expect(changed.Resources.GenesysConversationEventsRule!.Properties!.EventPattern).not.toEqual(template.Resources.GenesysConversationEventsRule!.Properties!.EventPattern);
  });

  it('creates no archive with a retention of 0, and outputs its ARN only when there is one', () => {
    expect(template.Conditions!.HasEventArchive).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'EventArchiveRetentionDays' }, '0'] }] });
    expect(template.Parameters!.EventArchiveRetentionDays).toMatchObject({ Type: 'Number', MinValue: 0 });
    expect(template.Outputs!.EventArchiveArn).toMatchObject({ Condition: 'HasEventArchive', Value: { 'Fn::GetAtt': ['EventArchive', 'Arn'] } });
  });
});

describe('runReplay against EventBridge', () => {
  const events = mockClient(EventBridgeClient);
  const target = (): ReplayTarget => ({ source: 'stack s (eu-west-1)', local: false, events: new EventBridgeClient({ region: 'eu-west-1' }), archiveArn: ARCHIVE_ARN, busArn: BUS_ARN, ruleArn: RULE_ARN });
  const window = { from: new Date('2026-12-02T09:00:00Z'), to: new Date('2026-12-02T10:00:00Z'), kinds: [] };
  const noSleep = (): Promise<void> => Promise.resolve();

  beforeEach(() => events.reset());

  it('replays the window onto the bus to our rule only, and polls DescribeReplay until COMPLETED', async () => {
    events.on(StartReplayCommand).resolves({ State: 'STARTING' });
    events
      .on(DescribeReplayCommand)
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-12-02T09:20:00Z') })
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-12-02T09:50:00Z') })
      .resolves({ State: 'COMPLETED', ReplayArn: 'arn:replay', EventLastReplayedTime: new Date('2026-12-02T09:59:00Z') });
    const progress: ReplayProgress[] = [];

    const outcome = await runReplay(target(), window, { name: 'genesys-replay-x', sleep: noSleep, onProgress: (p) => progress.push(p) });

    expect(events.commandCalls(StartReplayCommand).map((call) => call.args[0].input)).toEqual([
      {
        ReplayName: 'genesys-replay-x',
        Description: 'npm run replay: 2026-12-02T09:00:00.000Z to 2026-12-02T10:00:00.000Z',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: window.from,
        EventEndTime: window.to,
        Destination: { Arn: BUS_ARN, FilterArns: [RULE_ARN] },
      },
    ]);
    expect(progress.map((p) => p.state)).toEqual(['STARTING', 'RUNNING', 'RUNNING', 'COMPLETED']);
    expect(events.commandCalls(DescribeReplayCommand)).toHaveLength(3);
    expect(outcome).toMatchObject({ name: 'genesys-replay-x', state: 'COMPLETED', arn: 'arn:replay' });
  });

  it('follows its own replay when the SDK retry of a StartReplay whose answer was lost meets the name taken', async () => {
    events.on(StartReplayCommand).rejects(Object.assign(new Error('Replay genesys-replay-z already exists.'), { name: 'ResourceAlreadyExistsException' }));
    events.on(DescribeReplayCommand).resolves({ State: 'COMPLETED', ReplayArn: 'arn:replay' });

    const outcome = await runReplay(target(), window, { name: 'genesys-replay-z', sleep: noSleep });

    expect(outcome).toMatchObject({ name: 'genesys-replay-z', state: 'COMPLETED' });
    expect(events.commandCalls(DescribeReplayCommand).map((call) => call.args[0].input)).toEqual([{ ReplayName: 'genesys-replay-z' }]);
  });

  it('fails on any other refusal of StartReplay', async () => {
    events.on(StartReplayCommand).rejects(Object.assign(new Error('Archive does not exist.'), { name: 'ResourceNotFoundException' }));
    await expect(runReplay(target(), window, { name: 'genesys-replay-w', sleep: noSleep })).rejects.toThrow('Archive does not exist.');
    expect(events.commandCalls(DescribeReplayCommand)).toHaveLength(0);
  });

  it.each(['FAILED', 'CANCELLED'] as const)('rejects a replay that ends %s with its StateReason', async (state) => {
    events.on(StartReplayCommand).resolves({ State: 'STARTING' });
    events.on(DescribeReplayCommand).resolves({ State: state, StateReason: 'Archive is being deleted' });

    const replay = runReplay(target(), window, { name: 'genesys-replay-y', sleep: noSleep });

    await expect(replay).rejects.toThrow(ReplayFailedError);
    await expect(runReplay(target(), window, { name: 'genesys-replay-y', sleep: noSleep })).rejects.toThrow(`replay genesys-replay-y ended ${state}: Archive is being deleted`);
  });

  it('refuses kinds the deployed rule does not pass, before starting anything', async () => {
    events.on(DescribeRuleCommand).resolves({ EventPattern: JSON.stringify({ 'detail-type': [{ wildcard: 'v2.detail.events.conversation.*.acw' }] }) });

    await expect(checkKinds(target(), ['acw', 'flow.end'])).rejects.toThrow(/does not pass flow\.end/);
    await expect(checkKinds(target(), ['acw'])).resolves.toBeUndefined();
    expect(events.commandCalls(DescribeRuleCommand)[0]?.args[0].input).toEqual({ Name: 'stack-GenesysConversationEventsRule-ABC', EventBusName: 'aws.partner/genesys.com/cloud/org/pipeline' });
    expect(events.commandCalls(StartReplayCommand)).toHaveLength(0);
  });

  it('warns of a window the archive cannot hold: before it existed, past its retention, not yet archived', async () => {
    events.on(DescribeArchiveCommand).resolves({ CreationTime: new Date('2026-12-02T09:30:00Z'), RetentionDays: 7, EventCount: 10 });
    const recent = { from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-12-02T11:55:00Z'), kinds: [] };

    const warnings = await coverageWarnings(target(), recent, NOW);

    expect(warnings).toEqual([expect.stringMatching(/created at 2026-12-02T09:30:00.000Z/), expect.stringMatching(/keeps events 7 days/), expect.stringMatching(/less than 10 minutes ago/)]);
    expect(await coverageWarnings(target(), { from: new Date('2026-12-02T10:00:00Z'), to: new Date('2026-12-02T11:00:00Z'), kinds: [] }, NOW)).toEqual([]);
    // The local stack's loads carry made-up event times: only an empty archive is worth saying there.
    expect(await coverageWarnings({ ...target(), local: true }, recent, NOW)).toEqual([]);
  });
});

describe('targetFromStack', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  beforeEach(() => cloudFormation.reset());

  it('reads the archive, the bus and the rule from the stack outputs', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'pipeline',
          CreationTime: NOW,
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'EventArchiveArn', OutputValue: ARCHIVE_ARN },
            { OutputKey: 'EventBusArn', OutputValue: BUS_ARN },
            { OutputKey: 'ConversationEventsRuleArn', OutputValue: RULE_ARN },
          ],
        },
      ],
    });

    const target = await targetFromStack({ stackName: 'pipeline', region: 'eu-west-1' });
    target.events.destroy();

    expect(target).toMatchObject({ source: 'stack pipeline (eu-west-1)', local: false, archiveArn: ARCHIVE_ARN, busArn: BUS_ARN, ruleArn: RULE_ARN });
  });

  it('says so when the stack keeps no archive', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'pipeline', CreationTime: NOW, StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'EventBusArn', OutputValue: BUS_ARN }] }] });

    await expect(targetFromStack({ stackName: 'pipeline', region: 'eu-west-1' })).rejects.toThrow(/no EventArchiveArn: it keeps no archive \(EventArchiveRetentionDays 0/);
  });
});
