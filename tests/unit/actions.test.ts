import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import fc from 'fast-check';
import {
  actionFor,
  ActionsError,
  checkedActions,
  definitionTextFor,
  parseActions,
  readActions,
  staleFiles,
  templateTextFor,
  withRouting,
  type RoutedDefinition,
} from '../../tools/actions/index.js';
import { applySubstitutions, definitionSubstitutions, loadTemplate, PROJECT_ROOT } from '../../template/index.js';

const FILE = 'my-actions.yaml';
const TABLE = '5d1b7f0e-2c4a-4e8b-9f61-0a3c5e7d9b21';
const EXAMPLE = resolve(PROJECT_ROOT, 'docs/examples/actions.example.yaml');

/** The problems `yaml` has, one per line; an empty list when it is a valid actions file. */
function problemsOf(yaml: string): string[] {
  try {
    checkedActions(parseActions(yaml, FILE));
    return [];
  } catch (error) {
    if (!(error instanceof ActionsError)) throw error;
    return error.message.split('\n');
  }
}

const attributesAction = (on: string, values: Record<string, string>, extra = ''): string => `
  - name: a-${on.replace(/\W/g, '-')}${extra}
    on: ${on}
    writes:
      - participantAttributes:
          values:
${Object.entries(values).map(([key, value]) => `            "${key}": ${JSON.stringify(value)}`).join('\n')}
`;

describe('actions.yaml', () => {
  it('the default file is valid, and template.yaml and the ASL are what it compiles to', () => {
    expect(readActions().actions.map((action) => action.name)).toEqual(['customer-start', 'customer-end', 'acd-start', 'acd-end', 'user-start', 'user-end', 'acw']);
    expect(staleFiles(readActions())).toEqual([]);
  });

  it('the worked examples of docs/actions.md are a valid file', () => {
    expect(readActions(EXAMPLE).actions).toHaveLength(4);
  });

  it.each<[string, string, RegExp]>([
    ['an unknown kind', attributesAction('customer.begin', { 'x.a': 'b' }), /actions\[0\] "a-customer-begin"\.on: "customer\.begin" is not a conversation event kind/],
    ['a field the kind does not carry', attributesAction('customer.start', { 'x.q': '{{eventBody.queueId}}' }), /\.writes\[0\]\.participantAttributes\.values \(a value\): \{\{eventBody\.queueId\}\}: customer\.start events carry no such field/],
    ['a misspelt field', attributesAction('acd.end', { 'x.q': '{{eventBody.queueID}}' }), /acd\.end events carry no such field/],
    ['a template that does not parse', attributesAction('acd.end', { 'x.q': '{{ queueId }}' }), /\.writes\[0\]\.participantAttributes\.values\.x\.q: "\{\{ queueId \}\}" does not name a field/],
    ['an unknown filter', attributesAction('acd.end', { 'x.q': '{{eventBody.queueId | upper}}' }), /unknown filter "upper"/],
    ['a number without a format', attributesAction('acd.end', { 'x.t': '{{eventBody.eventTime}}' }), /\{\{eventBody\.eventTime\}\} is a number in acd\.end events: format it, e.g\. \{\{eventBody\.eventTime \| iso\}\}/],
    ['a list field', attributesAction('acd.start', { 'x.s': '{{eventBody.requestedRoutingSkillIds}}' }), /is a list in acd\.start events, not a string/],
    [
      'a value that is not a string',
      'actions:\n  - name: n\n    on: acw\n    writes:\n      - participantAttributes:\n          values: { x.count: 42 }\n',
      /my-actions\.yaml: actions\[0\] "n"\.writes\[0\]\.participantAttributes\.values\.x\.count: must be a string, got number/,
    ],
    ['an attributes write on attributes events', attributesAction('attributes', { 'x.seen': '{{eventBody.eventTime | iso}}' }), /every attributes write raises an attributes event, which this action would act on again: a loop/],
    [
      'a row key over Genesys\' 256 characters',
      `actions:\n  - name: n\n    on: customer.end\n    writes:\n      - dataTableRow: { datatableId: ${TABLE}, key: "${'k'.repeat(257)}", values: { a: x } }\n`,
      /\.writes\[0\]\.dataTableRow\.key: longer than Genesys' 256 characters/,
    ],
    ['a data table id that is not one', 'actions:\n  - name: n\n    on: customer.end\n    writes:\n      - dataTableRow: { datatableId: queues, key: k, values: { a: x } }\n', /\.dataTableRow\.datatableId: must be the data table's id \(a UUID\)/],
    [
      'the agent of a kind without userId',
      'actions:\n  - name: n\n    on: customer.end\n    writes:\n      - participantAttributes: { participant: agent, values: { x.a: b } }\n',
      /participant: agent needs eventBody\.userId, which customer\.end events do not carry/,
    ],
    ['a test of a field the kind lacks', `actions:\n  - name: n\n    on: user.start\n    when: { eventBody.disconnectType: { equals: transfer } }\n    writes:\n      - participantAttributes: { values: { x.a: b } }\n`, /\.when\.eventBody\.disconnectType: user\.start events carry no such field/],
    ['an unknown test', `actions:\n  - name: n\n    on: user.end\n    when: { eventBody.disconnectType: { startsWith: transfer } }\n    writes:\n      - participantAttributes: { values: { x.a: b } }\n`, /\.when\.eventBody\.disconnectType\.startsWith: is not a test/],
    ['an unknown write', 'actions:\n  - name: n\n    on: acw\n    writes:\n      - email: { to: x }\n', /\.writes\[0\]\.email: is not a write/],
    ['an unknown field of an action', 'actions:\n  - name: n\n    on: acw\n    if: x\n    writes: []\n', /actions\[0\] "n"\.if: is not a field of an action/],
    ['a test of something other than an event field', `actions:\n  - name: n\n    on: acd.end\n    when: { kind: { equals: acd.start } }\n    writes:\n      - participantAttributes: { values: { x.a: b } }\n`, /\.when\.kind: tests an event field: eventBody\.<field> or detail\.<field>/],
    ['text SAM would substitute', attributesAction('acd.end', { 'x.a': 'cost ${Price}' }), /contains "\$\{", which SAM would replace with a definition substitution/],
    ['two actions of one name', attributesAction('acd.end', { 'x.a': 'b' }, '-same') + attributesAction('acd.end', { 'x.b': 'b' }, '-same').replace('acd-end-same', 'acd-end-same'), /\.name: another action has this name/],
  ])('refuses %s, naming the file, the action and the field', (_case, body, problem) => {
    const yaml = body.startsWith('actions:') ? body : `actions:${body}`;
    const problems = problemsOf(yaml);
    expect(problems.some((line) => problem.test(line))).toBe(true);
    expect(problems.every((line) => line.startsWith(`${FILE}: `))).toBe(true);
  });

  describe('the order rule', () => {
    it('refuses two kinds writing one attribute key, as their order would decide the value', () => {
      const problems = problemsOf(`actions:${attributesAction('acd.start', { 'x.queue': '{{eventBody.queueId}}' })}${attributesAction('acd.end', { 'x.queue': '{{eventBody.queueId}}' })}`);
      expect(problems).toEqual([expect.stringMatching(/values key "x\.queue": acd\.end events could write the same attribute as acd\.start events .*Genesys does not guarantee the order of events/)]);
    });

    it('refuses keys that could render the same for two kinds, and accepts keys {{kind}} keeps apart', () => {
      expect(problemsOf(`actions:${attributesAction('acd.start', { 'x.{{eventBody.queueId}}': 'a' })}${attributesAction('acd.end', { 'x.q{{eventBody.queueId}}': 'b' })}`)).toHaveLength(1);
      expect(problemsOf(`actions:\n  - name: both\n    on: [acd.start, acd.end]\n    writes:\n      - participantAttributes:\n          values: { "x.{{kind}}.queue": "{{eventBody.queueId}}" }\n`)).toEqual([]);
      expect(problemsOf(`actions:\n  - name: both\n    on: [acd.start, acd.end]\n    writes:\n      - participantAttributes:\n          values: { "x.queue": "{{eventBody.queueId}}" }\n`)).toHaveLength(1);
    });

    it('refuses a row keyed by conversation from a kind that comes once per participant, and a tag from one', () => {
      const row = (key: string): string => `actions:\n  - name: n\n    on: acd.end\n    writes:\n      - dataTableRow: { datatableId: ${TABLE}, key: "${key}", values: { queueId: "{{eventBody.queueId}}" } }\n`;
      expect(problemsOf(row('{{eventBody.conversationId}}'))).toEqual([expect.stringMatching(/dataTableRow\.key: acd\.end events can come more than once per conversation, in any order/)]);
      expect(problemsOf(row('{{eventBody.conversationId}}.{{eventBody.participantId}}'))).toEqual([]);
      expect(problemsOf(`actions:\n  - name: n\n    on: user.end\n    writes:\n      - conversationTag: "{{eventBody.userId}}"\n`)).toEqual([expect.stringMatching(/conversationTag: user\.end events can come more than once per conversation/)]);
      expect(problemsOf(`actions:\n  - name: n\n    on: customer.end\n    writes:\n      - conversationTag: "ended-{{eventBody.disconnectType}}"\n`)).toEqual([]);
    });

    it('refuses an agent\'s key without the event time: one user can be two participants of a conversation', () => {
      const agent = (key: string): string => `actions:\n  - name: n\n    on: user.end\n    writes:\n      - participantAttributes: { participant: agent, values: { "${key}": "{{eventBody.disconnectType}}" } }\n`;
      expect(problemsOf(agent('crm.ended'))).toEqual([expect.stringMatching(/user\.end events can come more than once per agent/)]);
      expect(problemsOf(agent('crm.ended.{{eventBody.eventTime | iso}}'))).toEqual([]);
    });

    it('refuses a row on attributes events without the event time: Genesys raises one on every change, the pipeline\'s own too', () => {
      const row = `actions:\n  - name: n\n    on: attributes\n    writes:\n      - dataTableRow: { datatableId: ${TABLE}, key: "{{eventBody.participantId}}", values: { seen: "{{eventBody.eventTime | iso}}" } }\n`;
      expect(problemsOf(row)).toEqual([expect.stringMatching(/attributes events can come more than once per participant/)]);
    });

    it('refuses a row whose key names no conversation or participant: one row for every conversation, the last to end wins', () => {
      const row = (key: string): string => `actions:\n  - name: n\n    on: customer.end\n    writes:\n      - dataTableRow: { datatableId: ${TABLE}, key: "${key}", values: { d: "{{eventBody.disconnectType}}" } }\n`;
      expect(problemsOf(row('latest'))).toEqual([expect.stringMatching(/customer\.end events can come more than once per table/)]);
      expect(problemsOf(row('{{eventBody.externalContactId}}'))).toEqual([expect.stringMatching(/more than once per table/)]);
      expect(problemsOf(row('{{eventBody.conversationId}}'))).toEqual([]);
    });

    it('compares data table ids without case: one Genesys table either way', () => {
      const write = (kind: string, table: string): string => `  - name: ${kind}\n    on: ${kind}\n    writes:\n      - dataTableRow: { datatableId: ${table}, key: "{{eventBody.conversationId}}", values: { d: x } }\n`;
      expect(problemsOf(`actions:\n${write('customer.start', TABLE)}${write('customer.end', TABLE.toUpperCase())}`)).toEqual([expect.stringMatching(/customer\.end events could write the same data table row as customer\.start events/)]);
    });

    it('refuses an acw key without the event time: a reopened conversation wraps up again', () => {
      expect(problemsOf(`actions:${attributesAction('acw', { 'x.wrapup': '{{eventBody.wrapupCode}}' })}`)).toEqual([expect.stringMatching(/acw events can come more than once per participant, in any order: put \{\{eventBody\.eventTime \| iso\}\} in the key/)]);
    });
  });
});

describe('npm run actions', () => {
  const example = readActions(EXAMPLE);

  it('rewrites only the rule\'s detail-type list in template.yaml', () => {
    const text = readFileSync(resolve(PROJECT_ROOT, 'template.yaml'), 'utf8');
    const changed = templateTextFor(text, example);
    const removed = text.split('\n').filter((line) => !changed.split('\n').includes(line));
    const added = changed.split('\n').filter((line) => !text.split('\n').includes(line));
    expect(removed.every((line) => /^ {10}- wildcard: v2\.detail\.events\.conversation\.\*\./.test(line))).toBe(true);
    expect(added).toEqual(['          - wildcard: v2.detail.events.conversation.*.acd.end', '          - wildcard: v2.detail.events.conversation.*.acw', '          - wildcard: v2.detail.events.conversation.*.user.end'].filter((line) => !text.includes(line)));
    expect(templateTextFor(changed, readActions())).toBe(text);
  });

  it('rewrites only the routing states of the ASL, and back', () => {
    const text = readFileSync(resolve(PROJECT_ROOT, 'statemachine/process-event.asl.json'), 'utf8');
    const changed = JSON.parse(definitionTextFor(text, example)) as RoutedDefinition;
    const original = JSON.parse(text) as RoutedDefinition;
    const kept = (definition: RoutedDefinition): Record<string, unknown> =>
      Object.fromEntries(Object.entries(definition.States).filter(([name]) => !name.startsWith('Action: ') && name !== 'Route by action'));
    expect(kept(changed)).toEqual(kept(original));
    expect(Object.keys(changed.States).filter((name) => name.startsWith('Action: '))).toEqual(['Action: wrapup-on-customer', 'Action: acd-end-to-table', 'Action: agent-ended', 'Action: tag-on-customer-end']);
    expect(definitionTextFor(definitionTextFor(text, example), readActions())).toBe(text);
  });
});

describe('the compiled routing', () => {
  const template = loadTemplate();
  const text = applySubstitutions(readFileSync(resolve(PROJECT_ROOT, 'statemachine/process-event.asl.json'), 'utf8'), definitionSubstitutions(template, 'ProcessEventStateMachine'));
  const example = readActions(EXAMPLE);
  const machine = new StateMachine(withRouting(JSON.parse(text) as RoutedDefinition, example) as never);

  /** The action `on` (default: the examples' workflow) hands the processor for `input`, or undefined when it routes the event past it. */
  async function routed(input: Record<string, unknown>, on: StateMachine = machine): Promise<string | undefined> {
    let handed: string | undefined;
    await on.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: {
          'Update conversation': (async (task: { Payload: { action?: { name?: string } } }) => {
            handed = task.Payload.action?.name;
            return { StatusCode: 200, Payload: { status: 'applied' } };
          }) as never,
        },
      },
    }).result;
    return handed;
  }

  const event = (kind: string, body: Record<string, unknown>) => ({ messageId: 'm', eventId: 'e', kind, body: { conversationId: '3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e01', ...body } });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['user.end', { disconnectType: 'peer' }, 'agent-ended'],
    ['user.end', { disconnectType: 'transfer' }, undefined],
    ['user.end', { disconnectType: 'CONSULT_TRANSFER' }, undefined],
    ['user.end', {}, 'agent-ended'],
    ['user.end', { disconnectType: 7 }, 'agent-ended'],
    ['acw', {}, 'wrapup-on-customer'],
    ['acd.end', { queueId: 'q' }, 'acd-end-to-table'],
    ['acd.start', { queueId: 'q' }, undefined],
  ])('routes %s %j to %s', async (kind, body, action) => {
    await expect(routed(event(kind, body))).resolves.toBe(action);
    expect(actionFor(example, event(kind, body))?.name).toBe(action);
  });

  it('agrees with the TypeScript the local runs expect their outcome from, for any event', async () => {
    const tests = `actions:
  - name: in-and-present
    on: [acd.end, user.end]
    when: { eventBody.disconnectType: { in: [client, peer] }, eventBody.queueId: { present: true } }
    writes: [{ participantAttributes: { values: { "x.{{kind}}": "a" } } }]
  - name: not-equals
    on: [acd.end, customer.end]
    when: { eventBody.disconnectType: { notEquals: transfer }, detail.version: { equals: "2" } }
    writes: [{ participantAttributes: { values: { "y.{{kind}}": "b" } } }]
  - name: absent
    on: acd.end
    when: { eventBody.queueId: { present: false } }
    writes: [{ participantAttributes: { values: { "z.q": "c" } } }]
`;
    const config = checkedActions(parseActions(tests, FILE));
    const testMachine = new StateMachine(withRouting(JSON.parse(text) as RoutedDefinition, config) as never);
    const value = fc.oneof(fc.constantFrom('client', 'peer', 'transfer', '2', ''), fc.integer(), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('acd.end', 'user.end', 'customer.end', 'acw'),
        fc.record({ disconnectType: value, queueId: value }, { requiredKeys: [] }),
        fc.option(fc.record({ version: value }, { requiredKeys: [] }), { nil: undefined }),
        async (kind, body, detail) => {
          const input = { ...event(kind, body), ...(detail === undefined ? {} : { detail }) };
          await expect(routed(input, testMachine)).resolves.toBe(actionFor(config, input as never)?.name);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('an action\'s own step', () => {
  const stepFile = (step: string, value = '{{step.queueName}}'): string =>
    `actions:\n  - name: named\n    on: acd.end\n${step}    writes:\n      - participantAttributes: { values: { crm.queue: "${value}" } }\n`;

  it('becomes a Task between the action\'s Pass state and the update, its result at $.step, failing into the Fail state', () => {
    const config = checkedActions(parseActions(stepFile('    step: { lambda: "${QueueNameFunctionArn}" }\n'), FILE));
    const text = readFileSync(resolve(PROJECT_ROOT, 'statemachine/process-event.asl.json'), 'utf8');
    const routed = withRouting(JSON.parse(text) as RoutedDefinition, config);
    expect(routed.States['Action: named']).toMatchObject({ Type: 'Pass', Next: 'Step: named' });
    expect(routed.States['Step: named']).toMatchObject({
      Type: 'Task',
      Resource: '${QueueNameFunctionArn}',
      ResultPath: '$.step',
      Next: 'Update conversation',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Update failed' }],
    });
    const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown, options: object) => { isValid: boolean; errorsText: () => string };
    const substituted = applySubstitutions(JSON.stringify(routed), { ProcessorFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Processor', QueueNameFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:QueueName' });
    const result = aslValidator(JSON.parse(substituted), { checkPaths: true, checkArn: true });
    expect({ valid: result.isValid, errors: result.errorsText() }).toEqual({ valid: true, errors: '' });
  });

  it.each<[string, string, string, RegExp]>([
    ['{{step.*}} without a step', '', '{{step.queueName}}', /\{\{step\.queueName\}\}: the action has no step to read/],
    ['a step that names no function', '    step: { lambda: my-function }\n', 'x', /\.step\.lambda: must be a Lambda function ARN or a \$\{Substitution\}/],
    ['a step of another kind', '    step: { dynamodb: x }\n', 'x', /\.step: must be \{ lambda: <function ARN or \$\{Substitution\}> \}/],
  ])('refuses %s', (_case, step, value, problem) => {
    expect(problemsOf(stepFile(step, value)).some((line) => problem.test(line))).toBe(true);
  });
});
