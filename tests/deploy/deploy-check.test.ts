/**
 * The deploy check (npm run deploy:check): the bundles a build makes, packaged, translated by aws-sam-translator,
 * created, updated and deleted in moto's CloudFormation, read back, with every resource of the translated template
 * in its table. A failure here is what a `sam deploy` of this template would get wrong.
 */
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { buildFunctions } from '../../tools/build.js';
import { localClientConfig } from '../../local/stack/moto.js';
import { loadTemplate, parameterValues, type Template } from '../../template/index.js';
import { formatDeployCheck } from '../../local/deploy-check/cli.js';
import { runDeployCheck, type DeployCheckResult } from '../../local/deploy-check/index.js';
import { GUIDED_PARAMETERS } from '../../local/deploy-check/scenarios.js';
import { packageTemplate } from '../../local/deploy-check/package.js';
import { translateTemplate } from '../../local/deploy-check/translate.js';
import { zipFolder } from '../../local/deploy-check/zip.js';

jest.setTimeout(240_000);

const template = loadTemplate();
const buildDir = mkdtempSync(join(tmpdir(), 'deploy-check-'));
let result: DeployCheckResult;

beforeAll(async () => {
  await buildFunctions({ template, outDir: buildDir });
  result = await runDeployCheck({ template, buildDir });
});

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const row = (logicalId: string) => result.rows.find((candidate) => candidate.logicalId === logicalId);

describe('the deploy check on template.yaml', () => {
  it('creates, updates and deletes the stack with nothing differing from the translated template', () => {
    const report = formatDeployCheck(result);
    expect(result.rows.flatMap((candidate) => candidate.mismatches)).toEqual([]);
    expect(result.stack.flatMap((check) => check.findings.mismatches)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(report).toMatch(/deploy-check: ok resources=\d+ fields=\d+ differ=0/);
  });

  it('has a row for every resource the translated template creates, each checked one of the three ways', () => {
    const parameters = parameterValues(template, { ...GUIDED_PARAMETERS });
    const translated = translateTemplate(packageTemplate(template, 'bucket', buildDir).template, parameters, 'us-east-1');
    const created = Object.keys(translated.Resources).filter((logicalId) => {
      const condition = translated.Resources[logicalId]?.Condition;
      return condition === undefined || condition !== 'SharedRateBudget';
    });
    for (const logicalId of created) expect(row(logicalId)?.how.length).toBeGreaterThan(0);
    expect(result.rows.filter((candidate) => candidate.how.includes('not checkable here'))).toEqual([]);
  });

  it('reads back what a deploy gets wrong most: code, queues, the event source mapping, the rule, the roles, the logs', () => {
    expect(row('DispatcherFunction')?.how).toContain('deployed and read back');
    expect(row('ProcessorFunction')?.how).toContain('deployed and read back');
    expect(row('DispatcherFunctionEventsQueueEvent')?.how).toEqual(['deployed and read back']);
    expect(row('GenesysConversationEventsRule')?.how).toEqual(['deployed and read back']);
    for (const queue of ['EventsQueue', 'EventsDeadLetterQueue', 'RuleDeadLetterQueue']) expect(row(queue)?.how).toContain('deployed and read back');
    for (const role of ['DispatcherFunctionRole', 'ProcessorFunctionRole', 'ProcessEventStateMachineRole']) expect(row(role)?.how).toContain('deployed and read back');
    expect(row('DispatcherLogGroup')?.how).toContain('deployed and read back');
    // The update turns GenesysRateLimitScope to client: the shared budget's table is created by the update and read back.
    expect(row('RateBudgetTable')?.how).toContain('deployed and read back');
  });

  it('checks in the translated template what moto cannot create', () => {
    for (const logicalId of ['GenesysClientSecret', 'EventsQueuePolicy', 'EventsDeadLetterQueueAlarm', 'PipelineDashboard']) {
      expect(row(logicalId)?.how).toEqual(['checked in the translated template']);
    }
  });

  it('updates without replacing anything that holds events, and the delete leaves the retained queues and table', () => {
    const inPlace = result.stack.find((check) => check.name.startsWith('update: nothing'))?.findings;
    expect(inPlace?.compared).toEqual(expect.arrayContaining(['EventsQueue physical id', 'IdempotencyTable physical id', 'DispatcherFunctionEventsQueueEvent physical id']));
    const survivors = result.stack.find((check) => check.name.startsWith('delete'))?.findings;
    expect(survivors?.compared).toEqual(expect.arrayContaining(['EventsQueue survives (Retain)', 'EventsDeadLetterQueue survives (Retain)', 'IdempotencyTable survives (Retain)', 'DispatcherFunction is deleted']));
  });
});

describe('the other side of every condition', () => {
  it('creates and deletes a second stack on a bus that exists already, with a key for the secret and an alarm topic', () => {
    const checks = result.stack.filter((check) => check.name.startsWith('existing bus'));
    expect(checks.map((check) => check.name)).toEqual(['existing bus: outputs', 'existing bus: delete leaves what must survive']);
    for (const check of checks) expect(check.findings.mismatches).toEqual([]);
    // The rule is read back on the existing bus in that stack too: its rows carry both phases.
    expect(row('GenesysConversationEventsRule')?.compared).toBeGreaterThan(10);
  });
});

describe('the deploy check can fail', () => {
  it('names a resource of a type it has no check for instead of skipping it', async () => {
    const withTopic: Template = JSON.parse(JSON.stringify(template)) as Template;
    withTopic.Resources.AlarmTopic = { Type: 'AWS::SNS::Topic', Properties: {} };
    const failed = await runDeployCheck({ template: withTopic, buildDir });
    expect(failed.ok).toBe(false);
    expect(failed.rows.find((candidate) => candidate.logicalId === 'AlarmTopic')).toMatchObject({ how: ['not checkable here'] });
  });

  it('reports a deployed resource that differs from the template (a queue changed behind the stack, other code)', async () => {
    const drifted = await runDeployCheck({
      template,
      buildDir,
      afterCreate: async (endpoint, state) => {
        const sqs = new SQSClient(localClientConfig(endpoint));
        await sqs.send(new SetQueueAttributesCommand({ QueueUrl: state.resources.get('EventsQueue')?.physicalId, Attributes: { VisibilityTimeout: '30' } }));
        sqs.destroy();
        // Other code than the build made: what a stale artifact bucket or a wrong CodeUri would deploy.
        const lambda = new LambdaClient(localClientConfig(endpoint));
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: state.resources.get('ProcessorFunction')?.physicalId, ZipFile: zipFolder(join(buildDir, 'DispatcherFunction')) }));
        lambda.destroy();
      },
    });
    expect(drifted.ok).toBe(false);
    expect(drifted.rows.find((candidate) => candidate.logicalId === 'EventsQueue')?.mismatches).toEqual([
      'create: VisibilityTimeout: template says 1080, read back "30"',
    ]);
    expect(drifted.rows.find((candidate) => candidate.logicalId === 'ProcessorFunction')?.mismatches).toEqual([expect.stringMatching(/^create: CodeSha256: template says /)]);
  });
});
