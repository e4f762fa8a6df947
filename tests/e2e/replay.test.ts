import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateConversationEvents, type GeneratedLoad } from '../../local/harness/load/generate.js';
import { expectedState } from '../../local/harness/load/expected-state.js';
import { compareState, runLoad, type RunSummary } from '../../local/harness/run.js';
import { writeStackFile } from '../../local/stack/stack-file.js';
import type { LocalStack } from '../../local/stack/index.js';
import type { AppliedWrite } from '../../local/genesys-sim/ledger.js';
import { PROJECT_ROOT } from '../../template/index.js';
import { useTestStacks } from '../helpers/local-stack.js';

const exec = promisify(execFile);

/** `npm run replay -- <args>` as a user runs it; resolves with its exit code and output. */
async function replayCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'tools/replay/cli.ts', ...args], { cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? -1, stdout, stderr };
  }
}

const times = (load: GeneratedLoad): number[] => load.events.map(({ entry }) => (entry.Time as Date).getTime());
const conversationsOf = (load: GeneratedLoad): Set<string> => new Set(load.conversations.map(({ id }) => id));
const writesTo = (writes: readonly AppliedWrite[], conversations: Set<string>): AppliedWrite[] => writes.filter((write) => conversations.has(write.conversationId));
const messageIds = (stack: LocalStack): string[] => stack.syncExecutions().flatMap(({ messageId }) => (messageId === undefined ? [] : [messageId]));
/** A write as Genesys keeps it: where, and what (not when or with which token). */
const content = ({ conversationId, participantId, attributes }: AppliedWrite): string => JSON.stringify([conversationId, participantId, attributes]);

describe('npm run replay against the local stack', () => {
  const stacks = useTestStacks('replay-e2e-');
  const stackFile = join(stacks.scratch, 'stack.json');
  // Two loads a day apart by event time, on conversations of their own: the window is the first one's.
  const inside = generateConversationEvents({ events: 30, conversations: 3, seed: 21, startTime: Date.UTC(2026, 0, 5, 9) });
  const outside = generateConversationEvents({ events: 30, conversations: 3, seed: 22, startTime: Date.UTC(2026, 0, 6, 9) });
  const from = new Date(Math.min(...times(inside)));
  const to = new Date(Math.max(...times(inside)) + 1_000);
  let stack: LocalStack;
  let summary: RunSummary;
  let firstPass: { writes: AppliedWrite[]; executions: Set<string>; state: unknown };
  let replay: { code: number; stdout: string; stderr: string };
  let replayed: { writes: AppliedWrite[]; executions: string[] };

  beforeAll(async () => {
    stack = await stacks.start({ genesys: { faultRate: 0 } });
    summary = await runLoad(stack, { events: [...inside.events, ...outside.events], conversations: [...inside.conversations, ...outside.conversations], ratePerSecond: 0, drainTimeoutMs: 240_000 });
    const ledger = stack.simulator.ledger;
    firstPass = { writes: [...ledger.writes], executions: new Set(messageIds(stack)), state: stack.simulator.state() };
    writeStackFile(stack, stackFile);

    replay = await replayCli(['--local', stackFile, '--from', from.toISOString(), '--to', to.toISOString()]);
    // moto's StartReplay puts the events in the EventsQueue before it answers: draining now waits for all of them.
    await stack.waitForDrain({ timeoutMs: 240_000 });
    replayed = {
      writes: ledger.writes.slice(firstPass.writes.length),
      executions: messageIds(stack).filter((id) => !firstPass.executions.has(id)),
    };
  }, 600_000);

  it('applied both loads the first time, each on its own day', () => {
    expect(Math.max(...times(inside))).toBeLessThan(Math.min(...times(outside)));
    expect(summary).toMatchObject({ lost: 0, parked: 0, drained: true, state: { matches: true } });
    expect(writesTo(firstPass.writes, conversationsOf(inside)).length).toBeGreaterThan(0);
    expect(writesTo(firstPass.writes, conversationsOf(outside)).length).toBeGreaterThan(0);
  });

  it('completes the replay and says it is moto\'s', () => {
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain("moto's StartReplay");
    expect(replay.stdout).toMatch(/genesys-replay-\S+: COMPLETED/);
  });

  it('refuses a window backwards, and a kind the rule does not pass, before replaying anything', async () => {
    const backwards = await replayCli(['--local', stackFile, '--from', to.toISOString(), '--to', from.toISOString()]);
    const unpassed = await replayCli(['--local', stackFile, '--from', from.toISOString(), '--to', to.toISOString(), '--kinds', 'acw,flow.end']);

    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain(`npm run replay: --from ${to.toISOString()} must be before --to ${from.toISOString()}`);
    expect(unpassed.code).toBe(1);
    expect(unpassed.stderr).toMatch(/npm run replay: the rule \S+ does not pass flow\.end/);
    expect(unpassed.stdout).not.toContain('COMPLETED');
  });

  it('applies the window\'s events again as new messages, which the dispatcher\'s idempotency does not suppress', () => {
    const applied = writesTo(firstPass.writes, conversationsOf(inside));

    expect(replayed.executions.length).toBeGreaterThan(0);
    expect(replayed.writes.map(content).sort()).toEqual(applied.map(content).sort());
  });

  it('replays nothing outside the window', () => {
    expect(writesTo(replayed.writes, conversationsOf(outside))).toEqual([]);
  });

  it('ends in the same state: the writes are repeatable', async () => {
    expect(stack.simulator.state()).toEqual(firstPass.state);
    const expected = expectedState([...inside.events, ...outside.events].map(({ entry }) => entry), [...inside.conversations, ...outside.conversations]);
    expect(compareState(expected, stack.simulator.state()).mismatches).toEqual([]);
    expect((await stack.queueDepth(stack.queues.deadLetterQueueUrl)).visible).toBe(0);
  });
});
