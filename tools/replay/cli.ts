/**
 * `npm run replay -- --from T --to T`: replays the archived Genesys events of a window into the pipeline
 * of a deployed stack (`--stack NAME --region R`) or of the running local stack (`.local/stack.json`).
 * The replay is in tools/replay/replay.ts; this file parses, prints and maps errors to exit codes.
 */
import { parseArgs } from 'node:util';
import { runMain } from '../cli.js';
import { DlqToolError } from '../dlq/queues.js';
import { checkKinds, coverageWarnings, ReplayFailedError, runReplay, type ReplayProgress } from './replay.js';
import { targetFromStack, targetFromStackFile, type ReplayTarget } from './target.js';
import { parseWindow, ReplayToolError } from './window.js';

const HELP = `Usage: npm run replay -- --from TIME --to TIME [--kinds K,...] [where]

Replays the conversation events the EventArchive holds whose event time is in [--from, --to) onto the
bus, to the pipeline's rule only (other rules of the bus do not get them again), and waits until the
replay ends. They reach the EventsQueue as new messages and are applied under the current actions.yaml;
the writes are repeatable, so events already applied end in the same state (docs/operations.md, "Replay").

  --from TIME, --to TIME    ISO 8601 with a zone (2026-12-02T09:00:00Z); --from before --to, --to not in the future
  --kinds K,...             kinds you expect replayed (e.g. customer.start,acw): the replay stops before it starts
                            if the deployed rule does not pass one of them. It does not narrow the replay:
                            EventBridge's StartReplay filters by rule only, so every archived kind the rule
                            passes is replayed; narrow with the window.

Where (default: the local stack of .local/stack.json, whose replay is moto's StartReplay):
  --stack NAME              a deployed stack (its outputs name the archive, bus and rule)
  --region REGION           its region (default AWS_REGION)
  --endpoint-url URL        an AWS-compatible endpoint instead of AWS
  --local FILE              a local stack file other than .local/stack.json
  --poll SECONDS            pause between DescribeReplay calls (default 5; 0.2 locally)
`;

/** The command line: flags as `parseArgs` reads them. */
const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  kinds: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
  local: { type: 'string' },
  poll: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function printProgress({ name, state, lastReplayed }: ReplayProgress): void {
  console.log(`${name}: ${state}${lastReplayed === undefined ? '' : `, replayed up to ${lastReplayed.toISOString()}`}`);
}

function pollMs(value: string | undefined, target: ReplayTarget): number {
  if (value === undefined) return target.local ? 200 : 5_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ReplayToolError(`--poll must be a number of seconds, got ${value}`);
  return seconds * 1000;
}

async function main(): Promise<number> {
  const { values: flags } = parseArgs({ options: OPTIONS });
  if (flags.help === true) {
    console.log(HELP);
    return 0;
  }
  const window = parseWindow(flags);
  const target =
    flags.stack !== undefined
      ? await targetFromStack({ stackName: flags.stack, region: flags.region, endpoint: flags['endpoint-url'] })
      : targetFromStackFile(flags.local);
  try {
    console.log(`(${target.source}${target.local ? ": moto's StartReplay, with the window and FilterArns EventBridge applies (local/stack/moto_server.py)" : ''})`);
    await checkKinds(target, window.kinds);
    for (const warning of await coverageWarnings(target, window)) console.log(`warning: ${warning}`);
    console.log(`replaying ${window.from.toISOString()} to ${window.to.toISOString()} from ${target.archiveArn} to ${target.ruleArn}`);
    const outcome = await runReplay(target, window, { pollMs: pollMs(flags.poll, target), onProgress: printProgress });
    const took = outcome.startedAt !== undefined && outcome.endedAt !== undefined ? ` in ${Math.round((outcome.endedAt.getTime() - outcome.startedAt.getTime()) / 1000)} s` : '';
    console.log(`replay ${outcome.name} completed${took}: the events are in the EventsQueue as new messages; \`npm run dlq -- list\` shows any that park`);
    return 0;
  } finally {
    target.events.destroy();
  }
}

await runMain(main, { command: 'npm run replay', userErrors: [ReplayToolError, ReplayFailedError, DlqToolError], hint: 'npm run replay -- --help for the options' });
