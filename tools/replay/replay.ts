/**
 * One replay: checks the archive covers the window and the rule passes the kinds asked for, starts
 * StartReplay onto the bus with only our rule as FilterArns, and follows DescribeReplay until it ends.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html
 */
import { randomBytes } from 'node:crypto';
import { DescribeArchiveCommand, DescribeReplayCommand, DescribeRuleCommand, StartReplayCommand, type DescribeReplayResponse } from '@aws-sdk/client-eventbridge';
import { CONVERSATION_DETAIL_TYPE_PREFIX } from '../../functions/shared/events.js';
import { patternMatches } from '../event-pattern.js';
import type { ReplayTarget } from './target.js';
import { ReplayToolError, type ReplayWindow } from './window.js';

/** A replay that ended FAILED or CANCELLED; its message is EventBridge's StateReason. */
export class ReplayFailedError extends Error {
  override readonly name = 'ReplayFailedError';
  constructor(
    readonly replayName: string,
    readonly state: string,
    readonly stateReason: string | undefined,
  ) {
    super(`replay ${replayName} ended ${state}: ${stateReason ?? 'EventBridge gave no reason'}`);
  }
}

/** Where a replay stands, as DescribeReplay answers. */
export interface ReplayProgress {
  name: string;
  state: string;
  /** The event time the replay has reached (EventBridge replays the window a minute at a time). */
  lastReplayed?: Date;
  /** Why it is in its state, when EventBridge says. */
  stateReason?: string;
}

/** How `runReplay` waits and reports; tests pass their own clock and sleep. */
export interface ReplayOptions {
  /** Pause between DescribeReplay calls (default 5 s). */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  onProgress?: (progress: ReplayProgress) => void;
  /** The replay's name (default {@link replayName}). */
  name?: string;
}

/** How a completed replay went. */
export interface ReplayOutcome extends ReplayProgress {
  arn?: string;
  startedAt?: Date;
  endedAt?: Date;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
/** EventBridge's rule for replay names: 1 to 64 of [.-_A-Za-z0-9]. */
const MAX_REPLAY_NAME = 64;

/** A unique replay name: `genesys-replay-` with the time it starts and 4 random bytes (37 characters). */
export function replayName(now: Date = new Date(), random: Buffer = randomBytes(4)): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `genesys-replay-${stamp}-${random.toString('hex')}`.slice(0, MAX_REPLAY_NAME);
}

/** The name and bus of a rule from its ARN (`...:rule/NAME` on the default bus, `...:rule/BUS/NAME` on another). */
export function ruleOfArn(ruleArn: string): { name: string; bus: string } {
  const path = ruleArn.slice(ruleArn.indexOf(':rule/') + ':rule/'.length);
  const cut = path.lastIndexOf('/');
  return cut < 0 ? { name: path, bus: 'default' } : { name: path.slice(cut + 1), bus: path.slice(0, cut) };
}

/**
 * The kinds of `kinds` the rule's current pattern does not pass: its detail-type, matched as EventBridge matches it
 * against the detail-type Genesys gives an event of that kind (`v2.detail.events.conversation.{id}.<kind>`).
 */
export function kindsNotPassed(eventPattern: string | undefined, kinds: readonly string[]): string[] {
  const pattern = JSON.parse(eventPattern ?? '{}') as Record<string, unknown>;
  const detailTypePattern = pattern['detail-type'] === undefined ? {} : { 'detail-type': pattern['detail-type'] };
  return kinds.filter((kind) => !patternMatches(detailTypePattern, { 'detail-type': `${CONVERSATION_DETAIL_TYPE_PREFIX}{id}.${kind}` }));
}

/**
 * Refuses kinds the deployed rule would drop: StartReplay cannot narrow by kind, the rule's pattern
 * does, so a kind of a new mapping replays only once `npm run actions` and a deploy have added it.
 */
export async function checkKinds(target: ReplayTarget, kinds: readonly string[]): Promise<void> {
  if (kinds.length === 0) return;
  const { name, bus } = ruleOfArn(target.ruleArn);
  const { EventPattern } = await target.events.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }));
  const missing = kindsNotPassed(EventPattern, kinds);
  if (missing.length > 0) {
    throw new ReplayToolError(
      `the rule ${name} does not pass ${missing.join(', ')}: replayed, ${missing.length === 1 ? 'it' : 'they'} would be dropped again. ` +
        'Add the action to actions.yaml, run `npm run actions`, deploy, then replay',
    );
  }
}

/**
 * Warnings about events of the window the archive cannot hold: before it was created, past its retention, not
 * archived yet. They compare event times with arrival times, as Genesys' events carry the time they were sent;
 * the local stack's loads carry made-up times, so there only an empty archive is worth a warning.
 */
export async function coverageWarnings(target: ReplayTarget, window: ReplayWindow, now: Date = new Date()): Promise<string[]> {
  const archiveName = target.archiveArn.slice(target.archiveArn.lastIndexOf('/') + 1);
  const { CreationTime, RetentionDays, EventCount } = await target.events.send(new DescribeArchiveCommand({ ArchiveName: archiveName }));
  const warnings: string[] = [];
  if (EventCount === 0) warnings.push('the archive holds no events');
  if (target.local) return warnings;
  if (CreationTime !== undefined && window.from < CreationTime) {
    warnings.push(`the archive was created at ${CreationTime.toISOString()}: events before it were never archived and cannot be replayed`);
  }
  if (RetentionDays !== undefined && RetentionDays > 0 && window.from.getTime() < now.getTime() - RetentionDays * 86_400_000) {
    warnings.push(`the archive keeps events ${RetentionDays} days: those older than that are gone`);
  }
  // EventBridge: "there might be a delay between an event being sent to an event bus and it arriving in an archive.
  // We recommend you delay replaying archived events for 10 minutes" (docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html).
  if (window.to.getTime() > now.getTime() - 10 * 60_000) {
    warnings.push('--to is less than 10 minutes ago: events of the last minutes may not be archived yet (EventBridge advises waiting 10 minutes)');
  }
  return warnings;
}

function progressOf(name: string, answer: DescribeReplayResponse): ReplayOutcome {
  return {
    name,
    state: answer.State ?? 'UNKNOWN',
    lastReplayed: answer.EventLastReplayedTime,
    stateReason: answer.StateReason,
    arn: answer.ReplayArn,
    startedAt: answer.ReplayStartTime,
    endedAt: answer.ReplayEndTime,
  };
}

/**
 * Starts the replay of `window` from the archive onto the bus, to our rule only (FilterArns), so other
 * rules of a shared bus do not get the events again, and polls DescribeReplay until it ends.
 * Resolves with a COMPLETED replay; rejects with ReplayFailedError when it ends FAILED or CANCELLED.
 */
export async function runReplay(target: ReplayTarget, window: ReplayWindow, options: ReplayOptions = {}): Promise<ReplayOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const name = options.name ?? replayName(options.now?.() ?? new Date());
  const started = await target.events
    .send(
      new StartReplayCommand({
        ReplayName: name,
        Description: `npm run replay: ${window.from.toISOString()} to ${window.to.toISOString()}`,
        EventSourceArn: target.archiveArn,
        EventStartTime: window.from,
        EventEndTime: window.to,
        Destination: { Arn: target.busArn, FilterArns: [target.ruleArn] },
      }),
    )
    .catch((error: unknown) => {
      // The name is this run's own (a fresh random suffix): a replay that already has it is the one this call
      // started, whose answer was lost and which the SDK's retry met. Follow it rather than fail a running replay.
      if ((error as { name?: unknown }).name === 'ResourceAlreadyExistsException') return { State: undefined };
      throw error;
    });
  options.onProgress?.({ name, state: started.State ?? 'STARTING' });
  for (;;) {
    const progress = progressOf(name, await target.events.send(new DescribeReplayCommand({ ReplayName: name })));
    options.onProgress?.(progress);
    if (TERMINAL.has(progress.state)) {
      if (progress.state !== 'COMPLETED') throw new ReplayFailedError(name, progress.state, progress.stateReason);
      return progress;
    }
    await sleep(options.pollMs ?? 5_000);
  }
}
