/**
 * `npm run dlq -- <command>`: the parked messages of a deployed stack (`--stack NAME --region R`) or of
 * the running local stack (`.local/stack.json`, written by `npm start -- --keep-running`).
 * The commands are in tools/dlq/operations.ts; this file parses, prints and maps errors to exit codes.
 */
import { parseArgs } from 'node:util';
import { runMain } from '../cli.js';
import { approximateCount, deadLetterQueue, listParked, purge, redrive, showMessage, type DeadLetterQueueName, type ParkedMessage } from './operations.js';
import { DlqToolError, queuesFromStack, queuesFromStackFile, type PipelineQueues } from './queues.js';

const HELP = `Usage: npm run dlq -- <command> [options]

Commands:
  list                      parked messages of both dead-letter queues, by errorName, with counts and the oldest
  show <id>                 one parked message (its id or its sourceMessageId): attributes and the event
  redrive                   move parked messages back to the EventsQueue
      --error-name NAME     only those parked with this errorName
      --dry-run             say what would move, move nothing
      --no-move-task        use receive-send-delete even where SQS's message move task would do
  purge --yes               delete every message of a dead-letter queue, for good

Where the queues are (default: the local stack of .local/stack.json):
  --stack NAME              a deployed stack (its outputs name the queues); credentials from the usual AWS chain
  --region REGION           its region (default AWS_REGION)
  --endpoint-url URL        an AWS-compatible endpoint instead of AWS (moto, LocalStack)
  --local FILE              a local stack file other than .local/stack.json
  --queue events|rule       the dispatcher's DLQ (events, default) or the EventBridge rule's (rule)
`;

function age(sentAt: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - sentAt) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => (column === 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ')}`.trimEnd()).join('\n');
}

async function list(queues: PipelineQueues, only?: DeadLetterQueueName): Promise<void> {
  for (const { queue, messages, groups } of await listParked(queues, only)) {
    if (messages.length === 0) {
      console.log(`${queue.name}: empty\n`);
      continue;
    }
    console.log(`${queue.name}: ${plural(messages.length, 'parked message')}`);
    console.log(
      table([
        ['errorName', 'count', 'oldest parked', 'oldest message id'],
        ...groups.map((group) => [group.errorName, String(group.count), `${new Date(group.oldestSentAt).toISOString()} (${age(group.oldestSentAt)})`, group.oldestMessageId]),
      ]),
    );
    console.log('');
  }
}

function printMessage(message: ParkedMessage): void {
  let event: unknown = message.body;
  try {
    event = JSON.parse(message.body);
  } catch {
    // shown as text
  }
  console.log(
    [
      `message     ${message.messageId} in ${message.queue}`,
      `errorName   ${message.errorName}`,
      ...(message.errorMessage === undefined ? [] : [`reason      ${message.errorMessage}`]),
      ...(message.sourceMessageId === undefined ? [] : [`parked from ${message.sourceMessageId} (EventsQueue message id)`]),
      `parked at   ${new Date(message.sentAt).toISOString()} (${age(message.sentAt)})`,
      ...(message.kind === undefined ? [] : [`event       ${message.kind}${message.conversationId === undefined ? '' : ` of conversation ${message.conversationId}`}`]),
      'attributes',
      ...Object.entries(message.attributes).map(([key, value]) => `  ${key} = ${value}`),
      'body',
      typeof event === 'string' ? event : JSON.stringify(event, null, 2),
    ].join('\n'),
  );
}

/** The command line: flags as `parseArgs` reads them. */
const OPTIONS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
  local: { type: 'string' },
  queue: { type: 'string' },
  'error-name': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-move-task': { type: 'boolean' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** What one run of a command reads: the queues, the one queue `--queue` names, the flags, the arguments after the command. */
interface CommandInput {
  queues: PipelineQueues;
  only: DeadLetterQueueName | undefined;
  flags: Flags;
  args: string[];
}

async function showCommand({ queues, args }: CommandInput): Promise<void> {
  const id = args[0];
  if (id === undefined) throw new DlqToolError('show needs a message id: npm run dlq -- show <id> (list shows them)');
  printMessage(await showMessage(queues, id));
}

async function redriveCommand({ queues, only, flags }: CommandInput): Promise<void> {
  const from = only ?? 'events';
  const source = deadLetterQueue(queues, from);
  if ((await approximateCount(queues.sqs, source)) === 0) {
    console.log(`nothing to redrive: ${source.name} is empty`);
    return;
  }
  const result = await redrive(queues, { from, errorName: flags['error-name'], dryRun: flags['dry-run'], useMoveTask: flags['no-move-task'] !== true });
  const reasons = Object.entries(result.byErrorName).map(([name, n]) => `${name} ${n}`).join(', ');
  const moving = `${plural(result.moved, 'message')} from ${result.from.name} to ${result.to.name}`;
  if (result.method === 'dry-run') {
    console.log(`dry run: would move ${moving}${reasons ? ` (${reasons})` : ''}; ${result.skipped} would stay`);
    return;
  }
  if (result.moveTaskUnavailable !== undefined) console.log(`SQS message move task unavailable here (${result.moveTaskUnavailable}); moving by receive-send-delete`);
  console.log(`moved ${moving} by ${result.method}${reasons ? ` (${reasons})` : ''}; ${result.skipped} left in place`);
}

async function purgeCommand({ queues, only, flags }: CommandInput): Promise<void> {
  const { queue, purged } = await purge(queues, { from: only, confirmed: flags.yes === true });
  console.log(`purged ${queue.name}: about ${plural(purged, 'message')} deleted`);
}

const COMMANDS: Record<string, (input: CommandInput) => Promise<void>> = {
  list: ({ queues, only }) => list(queues, only),
  show: showCommand,
  redrive: redriveCommand,
  purge: purgeCommand,
};

/** The queue `--queue` names, if any. */
function onlyQueue(flags: Flags): DeadLetterQueueName | undefined {
  if (flags.queue !== undefined && flags.queue !== 'events' && flags.queue !== 'rule') throw new DlqToolError(`--queue must be events or rule, got ${flags.queue}`);
  return flags.queue;
}

function openQueues(flags: Flags): Promise<PipelineQueues> {
  return flags.stack !== undefined
    ? queuesFromStack({ stackName: flags.stack, region: flags.region, endpoint: flags['endpoint-url'] })
    : queuesFromStackFile(flags.local);
}

async function main(): Promise<number> {
  const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: OPTIONS });
  const [command, ...args] = positionals;
  if (flags.help === true || command === undefined) {
    console.log(HELP);
    return command === undefined && flags.help !== true ? 1 : 0;
  }
  const only = onlyQueue(flags);
  const queues = await openQueues(flags);
  try {
    console.log(`(${queues.source})\n`);
    const run = COMMANDS[command];
    if (run === undefined) throw new DlqToolError(`unknown command ${command}: list, show, redrive or purge (npm run dlq -- --help)`);
    await run({ queues, only, flags, args });
    return 0;
  } finally {
    queues.sqs.destroy();
  }
}

await runMain(main, { command: 'npm run dlq', userErrors: [DlqToolError] });
