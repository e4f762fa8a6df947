/**
 * The actions file is the single source of truth: edited in a copy of the project, `npm run actions` changes
 * the rule's pattern and the workflow's routing and nothing else, and `npm start` then runs the pipeline with
 * the new writes; `npm start -- --actions FILE` runs another file without touching the project at all.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '../../local/harness/run.js';
import { PROJECT_ROOT } from '../../template/index.js';

const exec = promisify(execFile);
const EXAMPLE = 'docs/examples/actions.example.yaml';
const EXAMPLE_ACTIONS = ['wrapup-on-customer', 'acd-end-to-table', 'agent-ended', 'tag-on-customer-end'];
const tsx = (script: string, args: string[], cwd: string) =>
  exec(process.execPath, [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), script, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 });

/** The project's files as git tracks them, by path, read from the working tree. */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

const RUN = ['--events', '300', '--conversations', '30', '--rate', '0', '--time-scale', '10', '--seed', '3'];

describe('an edited actions file', () => {
  const copy = mkdtempSync(join(tmpdir(), 'actions-copy-'));
  const files = trackedFiles();
  const original = new Map<string, Buffer>();
  let written: string;
  let summary: RunSummary;
  const refusals: { check?: { code?: number; stderr?: string }; start?: { code?: number; stderr?: string } } = {};
  const failureOf = (run: Promise<unknown>) =>
    run.then(
      () => ({ code: 0 }),
      (error: { code?: number; stderr?: string }) => error,
    );

  beforeAll(async () => {
    for (const file of files) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      original.set(file, readFileSync(join(PROJECT_ROOT, file)));
      writeFileSync(join(copy, file), original.get(file)!);
    }
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'actions.yaml'), readFileSync(join(PROJECT_ROOT, EXAMPLE), 'utf8'));
    refusals.check = await failureOf(tsx('tools/actions/cli.ts', ['--check'], copy));
    refusals.start = await failureOf(tsx('local/harness/cli.ts', ['--events', '1'], copy));
    written = (await tsx('tools/actions/cli.ts', [], copy)).stdout;
    await tsx('local/harness/cli.ts', [...RUN, '--json', join(copy, 'summary.json')], copy);
    summary = JSON.parse(readFileSync(join(copy, 'summary.json'), 'utf8')) as RunSummary;
  }, 600_000);

  afterAll(() => {
    rmSync(copy, { recursive: true, force: true });
  });

  it('is refused, until npm run actions has run, by its --check and by npm start: what would deploy is not what the file says', () => {
    const stale = 'template.yaml and statemachine/process-event.asl.json are behind actions.yaml: run npm run actions';
    expect(refusals.check).toMatchObject({ code: 1, stderr: expect.stringContaining(`npm run actions: ${stale}`) });
    expect(refusals.start).toMatchObject({ code: 2, stderr: expect.stringContaining(`npm start: ${stale}`) });
  });

  it('changes template.yaml and the ASL through npm run actions, and no other file', () => {
    expect(written).toContain('wrote template.yaml, statemachine/process-event.asl.json');
    const changed = files.filter((file) => !readFileSync(join(copy, file)).equals(original.get(file)!));
    expect(changed.sort()).toEqual(['actions.yaml', 'statemachine/process-event.asl.json', 'template.yaml']);
    const template = readFileSync(join(copy, 'template.yaml'), 'utf8');
    expect(template.match(/- wildcard: v2\.detail\.events\.conversation\.\*\.[a-z.]+/g)).toEqual(['acd.end', 'acw', 'customer.end', 'user.end'].map((kind) => `- wildcard: v2.detail.events.conversation.*.${kind}`));
  });

  it('is what npm start then runs: the new writes applied, every event accounted for, the state as the file implies', () => {
    expect(summary).toMatchObject({ lost: 0, malformedNotParked: 0, validParked: 0, state: { matches: true } });
    expect(Object.keys(summary.byAction)).toEqual(EXAMPLE_ACTIONS);
    for (const action of EXAMPLE_ACTIONS) expect(summary.byAction[action]?.writes).toBeGreaterThan(0);
    // Kinds no action uses never reach SQS: customer.*, acd.start, user.start and flow.* of the load.
    expect(summary.filteredByRule).toBeGreaterThan(0);
  });
});

describe('npm start -- --actions FILE', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'actions-flag-'));
  const before = ['template.yaml', 'statemachine/process-event.asl.json', 'actions.yaml'].map((file) => readFileSync(join(PROJECT_ROOT, file), 'utf8'));
  let summary: RunSummary;

  beforeAll(async () => {
    await tsx('local/harness/cli.ts', [...RUN, '--actions', EXAMPLE, '--json', join(scratch, 'summary.json'), '--report', join(scratch, 'report.html')], PROJECT_ROOT);
    summary = JSON.parse(readFileSync(join(scratch, 'summary.json'), 'utf8')) as RunSummary;
  }, 600_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs the other file\'s actions, accounts for every event, and leaves the project as it was', () => {
    expect(summary).toMatchObject({ lost: 0, validParked: 0, state: { matches: true } });
    expect(Object.keys(summary.byAction)).toEqual(EXAMPLE_ACTIONS);
    const after = ['template.yaml', 'statemachine/process-event.asl.json', 'actions.yaml'].map((file) => readFileSync(join(PROJECT_ROOT, file), 'utf8'));
    expect(after).toEqual(before);
  });

  it('refuses a file with a problem before starting anything, naming the file, the action and the field', async () => {
    const bad = join(scratch, 'bad.yaml');
    writeFileSync(bad, 'actions:\n  - name: loop\n    on: attributes\n    writes:\n      - participantAttributes: { values: { x.seen: "{{eventBody.eventTime | iso}}" } }\n');
    const failure = await tsx('local/harness/cli.ts', ['--actions', bad], PROJECT_ROOT).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(new RegExp(`npm start: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: actions\\[0\\] "loop"\\.writes\\[0\\]\\.participantAttributes: every attributes write raises an attributes event`));
  });
});
