/**
 * A user's own events through `npm start -- --events-file`, as a new user tries them: kinds the generated load
 * has not got, hostile ids, an event of another source and a presence event, accounted for as AWS would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '../../local/harness/run.js';
import { PROJECT_ROOT } from '../../template/index.js';

const exec = promisify(execFile);
const EVENTS = 'tests/fixtures/events-files/mixed-user-events.jsonl';
/** The conversation of the file whose customer.start names no participant. */
const NO_PARTICIPANT_CONVERSATION = 'a41e6b0d-2c93-4f7a-8e15-9b6d3c2f1e08';
const CONVERSATION = '7d2f9c1e-4b8a-4e61-a3d5-0c9e8f7a6b51';
const CUSTOMER = '5e8a1f2b-7c4d-4e9a-b6f3-2d1c0e9b8a77';
const FILTERED = { 'v2.users.{id}.presence': 1, 'v2.detail.events.conversation.{id}.customer.end from com.example.crm': 1 };
const HOSTILE = [
  { index: 7, errorName: 'InvalidEvent', errorMessage: 'detail.eventBody.conversationId must be a UUID, got "../../x"', expected: true },
  { index: 8, errorName: 'InvalidEvent', errorMessage: 'detail.eventBody.participantId must be a UUID, got "..%2F..%2Fadmin participants"', expected: true },
];

/** `npm start` with `args`, its output, its summary and its exit status. */
async function npmStart(scratch: string, name: string, args: string[]): Promise<{ code: number; stdout: string; summary: RunSummary }> {
  const json = join(scratch, `${name}.json`);
  const cli = [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/harness/cli.ts', '--events-file', EVENTS, '--json', json, '--report', join(scratch, `${name}.html`), ...args];
  const { code, stdout } = await exec(process.execPath, cli, { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout: out }) => ({ code: 0, stdout: out }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  );
  return { code, stdout, summary: JSON.parse(readFileSync(json, 'utf8')) as RunSummary };
}

describe('npm start -- --events-file with a mixed file of real-shaped events', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'events-file-'));
  let implied: Awaited<ReturnType<typeof npmStart>>;
  let given: Awaited<ReturnType<typeof npmStart>>;

  beforeAll(async () => {
    implied = await npmStart(scratch, 'implied', []);
    // The user's conversations, taken as they are: the one without participantId has no customer, the other's customer an attribute of its own.
    const conversations = join(scratch, 'conversations.json');
    writeFileSync(
      conversations,
      JSON.stringify([
        {
          id: CONVERSATION,
          participants: [
            { id: CUSTOMER, purpose: 'customer', attributes: { 'crm.segment': 'gold' } },
            { id: 'c9b3e7a1-0d2f-4a6c-8b5e-7f1a3d9c2e64', purpose: 'acd' },
            { id: '1f7c3e9a-5b2d-4c8e-a0f6-3e9d7b1c5a28', purpose: 'agent', userId: 'e2b6d4f8-9a1c-4e3b-8d7f-0c5a2e6b9d13' },
          ],
        },
        { id: NO_PARTICIPANT_CONVERSATION, participants: [{ id: '3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13', purpose: 'agent' }] },
      ]),
    );
    given = await npmStart(scratch, 'given', ['--conversations', conversations, '--time-scale', '10']);
  }, 600_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('accounts for every event, loses none, and exits 0', () => {
    expect(implied.code).toBe(0);
    expect(implied.summary).toMatchObject({ in: 11, lost: 0, malformedNotParked: 0, validParked: 0, parked: 2, drained: true, state: { matches: true } });
    expect(implied.summary.applied + implied.summary.notActedOn + implied.summary.parked).toBe(11);
    expect(implied.stdout).toMatch(/summary: in=11 applied=9 parked=2 lost=0 /);
  });

  it('reports the presence event and the event of another source as filtered by the rule, by detail-type, as EventBridge filtered them', () => {
    // Had moto forwarded either, the dispatcher would have parked it: parked is the two hostile events only.
    expect(implied.summary).toMatchObject({ filteredByRule: 2, filteredByDetailType: FILTERED, notActedOn: 2 });
    expect(implied.stdout).toContain('filtered by the rule      v2.detail.events.conversation.{id}.customer.end from com.example.crm 1, v2.users.{id}.presence 1');
  });

  it('names the two hostile events with the errorName and message of their DLQ copies', () => {
    expect(implied.summary.parkedEvents).toEqual(HOSTILE.map((parked) => ({ ...parked, detailType: expect.stringMatching(/^v2\.detail\.events\.conversation\.\{id\}\./) })));
    expect(implied.stdout).toContain('event 8 v2.detail.events.conversation.{id}.customer.end: InvalidEvent: detail.eventBody.conversationId must be a UUID, got "../../x"');
    expect(implied.stdout).not.toContain('outlasted');
  });

  it('writes the customer.start without participantId to the customer the simulator was told the conversation has', () => {
    // Both customer.start events applied, each writing one participant, and the state as the events imply it.
    expect(implied.summary.byAction['customer-start']).toEqual({ applied: 2, writes: 2 });
    expect(implied.summary.applied).toBe(7);
  });

  it('takes the conversations of a --conversations file as they are, and explains a park by its real cause', () => {
    expect(given.code).toBe(0);
    // The customer's own attribute stays beside the pipeline's writes: the state still matches.
    expect(given.summary).toMatchObject({ lost: 0, validParked: 1, parked: 3, state: { matches: true } });
    expect(given.summary.parkedEvents[0]).toEqual({
      index: 6,
      detailType: 'v2.detail.events.conversation.{id}.customer.start',
      errorName: 'Genesys.NotFound',
      errorMessage: `conversation ${NO_PARTICIPANT_CONVERSATION} has no participant with purpose "customer" (found: agent) and the event names none`,
      expected: false,
    });
    expect(given.stdout).toContain(`event 7 v2.detail.events.conversation.{id}.customer.start (not by design): Genesys.NotFound: conversation ${NO_PARTICIPANT_CONVERSATION} has no participant`);
  });
});
