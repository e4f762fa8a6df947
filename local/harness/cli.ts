/**
 * `npm start`: the whole pipeline on this machine. Starts the local stack from template.yaml, sends a
 * burst of Genesys conversation events through EventBridge, and accounts for every one of them.
 * `npm start -- --help` lists the options.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ActionsError, dataTablesOf, defaultActions, readActions, type ActionsConfig } from '../../tools/actions/index.js';
import { runMain } from '../../tools/cli.js';
import { startLocalStack, type LocalStack } from '../stack/index.js';
import { MotoUnavailableError } from '../stack/moto.js';
import { removeStackFile, writeStackFile } from '../stack/stack-file.js';
import { parseEntry, type LoadConversation } from './load/entry.js';
import { loadEventsFile } from './load/events-file.js';
import { ConversationsFileError, readConversationsFile, userConversations } from './load/user-conversations.js';
import { generateConversationEvents } from './load/generate.js';
import { DEFAULT_REPORT_FILE, writeRunReport } from './report/index.js';
import { account, DEFAULT_SAMPLE_EVERY_MS, observeRun, runSeries, summaryLine, type RunEvent, type RunExpectations, type RunProgress, type RunSummary } from './run.js';

const HELP = `Usage: npm start -- [options]

Runs the pipeline locally (moto, the Step Functions endpoint, the Lambda runtime, a Genesys Cloud
simulator), sends a burst of events, and prints where every event went.

  --events N                events to send (default 1000)
  --conversations N|FILE    conversations the generated events belong to (default 100); with --events-file,
                            a JSON file of the conversations they write to, in the simulator's format:
                            [{"id","participants":[{"id","purpose","userId"?,"attributes"?}]}]. Conversations
                            it does not list are created with the participants the events imply (a customer
                            where an event without participantId writes to one)
  --rate N                  events per second sent to EventBridge, 0 = as fast as possible (default 200)
  --genesys-rate-limit N    requests per minute per token the simulator allows (default 300, as Genesys)
  --rate-limit-scope S      token (default) or client: the simulator counts the limit per OAuth client, and the
                            stack deploys with GenesysRateLimitScope client (one budget shared in DynamoDB)
  --fault-rate X            share of Genesys requests answered 5xx (default 0.02)
  --seed N                  seed of the events and the faults (default 1)
  --events-file FILE        send these events instead (JSON array or lines of EventBridge events); those the
                            rule's pattern does not match are reported as filtered by the rule, by detail-type
  --actions FILE            run another actions file instead of actions.yaml (docs/actions.md); the
                            project's template.yaml and ASL are not touched
  --time-scale X            run timeouts and retry intervals X times faster (default 1: real speed)
  --drain-timeout S         give up waiting for the queue after S seconds (default 600)
  --json FILE               also write the summary as JSON
  --report FILE             where the HTML run report goes (default ${DEFAULT_REPORT_FILE}); written on every run
  --keep-running            leave the stack up afterwards and print its endpoints (Ctrl-C stops it);
                            writes .local/stack.json for \`npm run dlq\`
  -h, --help                this text
`;

/** The command line, checked. */
interface Settings {
  events: number;
  conversations: number;
  /** With an events file: `--conversations FILE`, read. */
  conversationsFile?: LoadConversation[];
  rate: number;
  genesysRateLimit: number;
  rateLimitScope: 'token' | 'client';
  faultRate: number;
  seed: number;
  timeScale: number;
  drainTimeoutSeconds: number;
  eventsFile?: string;
  actions: ActionsConfig;
  json?: string;
  report: string;
  keepRunning: boolean;
}

function numberOption(values: Record<string, unknown>, name: string, fallback: number, check: (n: number) => boolean): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new RangeError(`--${name} ${String(raw)} is out of range`);
  return value;
}

function scopeOption(raw: string | undefined): Settings['rateLimitScope'] {
  if (raw === undefined || raw === 'token' || raw === 'client') return raw ?? 'token';
  throw new RangeError(`--rate-limit-scope must be token or client, got ${JSON.stringify(raw)}`);
}

/**
 * `actions`, when no action has its own step: what a step returns is the user's code, so the run could not say what
 * the writes should be. The local stack runs steps; tests/e2e/own-step.test.ts shows how to check one.
 * @throws ActionsError naming the action.
 */
function withoutSteps(actions: ActionsConfig): ActionsConfig {
  const stepped = actions.actions.find((action) => action.step !== undefined);
  if (stepped === undefined) return actions;
  throw new ActionsError(`${actions.file}: action "${stepped.name}" has its own step: npm start cannot know what it returns, so it cannot check the writes (docs/actions.md, "Your own step")`);
}

/** `--conversations`: a count for generated events, a file for the user's own (a count there would mean nothing). */
function conversationsOption(raw: string | undefined, eventsFile: string | undefined): Pick<Settings, 'conversations' | 'conversationsFile'> {
  const count = raw !== undefined && /^\d+$/.test(raw.trim());
  if (eventsFile === undefined) {
    if (raw !== undefined && !count) throw new RangeError(`--conversations ${raw}: a file of conversations goes with --events-file; the generated events want a count`);
    return { conversations: numberOption({ conversations: raw }, 'conversations', 100, (n) => Number.isInteger(n) && n >= 1) };
  }
  if (count) throw new RangeError(`--conversations ${String(raw)}: with --events-file it names a file of conversations (npm start -- --help)`);
  return { conversations: 0, ...(raw === undefined ? {} : { conversationsFile: readConversationsFile(resolve(raw)) }) };
}

/** The settings of the command line, or undefined when it asks for help. */
function parseSettings(): Settings | undefined {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      conversations: { type: 'string' },
      rate: { type: 'string' },
      'genesys-rate-limit': { type: 'string' },
      'rate-limit-scope': { type: 'string' },
      'fault-rate': { type: 'string' },
      seed: { type: 'string' },
      'events-file': { type: 'string' },
      actions: { type: 'string' },
      'time-scale': { type: 'string' },
      'drain-timeout': { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      'keep-running': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return undefined;
  return {
    events: numberOption(values, 'events', 1000, (n) => Number.isInteger(n) && n >= 0),
    ...conversationsOption(values.conversations, values['events-file']),
    rate: numberOption(values, 'rate', 200, (n) => n >= 0),
    genesysRateLimit: numberOption(values, 'genesys-rate-limit', 300, (n) => Number.isInteger(n) && n >= 1),
    rateLimitScope: scopeOption(values['rate-limit-scope']),
    faultRate: numberOption(values, 'fault-rate', 0.02, (n) => n >= 0 && n < 1),
    seed: numberOption(values, 'seed', 1, Number.isInteger),
    timeScale: numberOption(values, 'time-scale', 1, (n) => n >= 1),
    drainTimeoutSeconds: numberOption(values, 'drain-timeout', 600, (n) => n > 0),
    eventsFile: values['events-file'],
    actions: values.actions === undefined ? defaultActions() : withoutSteps(readActions(resolve(values.actions))),
    json: values.json,
    report: values.report ?? DEFAULT_REPORT_FILE,
    keepRunning: values['keep-running'] === true,
  };
}

/** The user's own events when a file names them, else a generated burst with the troubles Genesys sends. */
function loadOf(settings: Settings): RunExpectations {
  if (settings.eventsFile !== undefined) {
    const events: RunEvent[] = loadEventsFile(settings.eventsFile).map((entry) => ({ entry, expected: parseEntry(entry) === undefined ? 'malformed' : 'valid' }));
    const conversations = userConversations(events.map(({ entry }) => entry), settings.actions, settings.conversationsFile);
    return { events, conversations, actions: settings.actions };
  }
  const load = generateConversationEvents({
    actions: settings.actions,
    events: settings.events,
    conversations: settings.conversations,
    seed: settings.seed,
    duplicateRate: 0.03,
    outOfOrderRate: 0.1,
    malformedRate: 0.01,
    missingParticipantRate: 0.05,
  });
  return { ...load, actions: settings.actions };
}

function progressReporter(): { update: (progress: RunProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return {
    update(progress) {
      const { published, total, applied, queued, phase } = progress;
      if (tty) {
        const width = 30;
        const filled = total === 0 ? width : Math.round((published / total) * width);
        const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
        process.stderr.write(`\r${bar} ${phase} sent ${published}/${total}  writes ${applied}  queued ${queued}   `);
      } else if (Date.now() - lastLine > 5_000) {
        lastLine = Date.now();
        process.stderr.write(`${phase}: sent ${published}/${total}, writes ${applied}, queued ${queued}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** Most parked events the summary lists one by one; the JSON summary has them all, the run report the first 20. */
const LISTED_PARKED = 5;

/** `{a: 2, b: 1}` as `a 2, b 1`, most first. */
function counted(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

function notActedOnParts(summary: RunSummary): string {
  const routed = summary.notActedOn - summary.filteredByRule;
  return `${summary.filteredByRule} filtered by the rule, never reaching SQS; ${routed} routed past Genesys by the workflow`;
}

/** Each parked event of the run with its DLQ copy's errorName and errorMessage, those the run did not mean to park first. */
function parkedLines(summary: RunSummary): string[] {
  const lines = summary.parkedEvents.slice(0, LISTED_PARKED).map(({ index, detailType, errorName, errorMessage, expected }) => {
    return `    event ${index + 1} ${detailType}${expected ? '' : ' (not by design)'}: ${errorName}${errorMessage === undefined ? '' : `: ${errorMessage}`}`;
  });
  const more = summary.parkedEvents.length - LISTED_PARKED;
  if (more > 0) lines.push(`    … and ${more} more (the run report and --json FILE list them)`);
  return lines;
}

function printSummary(summary: RunSummary, context: { stack: LocalStack; timeScale: number; seed: number }): void {
  const reasons = Object.entries(summary.parkedByReason)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const statuses = Object.entries(summary.genesysRequestsByStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status === '0' ? 'no answer' : status} ${n}`)
    .join(', ');
  const lines = [
    '',
    `Run of ${summary.in} events (seed ${context.seed}${context.timeScale === 1 ? ', real time' : `, time scaled ×${context.timeScale}: retries and timeouts ran ${context.timeScale}× faster than deployed`})`,
    `  events in                 ${summary.in}`,
    `  applied in Genesys        ${summary.applied}`,
    `  not acted on (by design)  ${summary.notActedOn}  (${notActedOnParts(summary)})`,
    ...(summary.filteredByRule === 0 ? [] : [`  filtered by the rule      ${counted(summary.filteredByDetailType)}`]),
    `  writes per action         ${Object.entries(summary.byAction).map(([action, { writes }]) => `${action} ${writes}`).join(', ')}`,
    `  parked in the DLQ         ${summary.parked}${reasons === '' ? '' : `  (${reasons})`}`,
    ...parkedLines(summary),
    `  lost                      ${summary.lost}`,
    `  duplicates suppressed     ${summary.duplicates}  (repeated events sent: ${summary.repeatedEvents}, applied harmlessly)`,
    `  Genesys requests          ${summary.genesysRequests}  (${statuses})`,
    `  token requests            ${summary.tokenRequests}`,
    `  retries                   ${summary.workflowRetries} in the workflow, ${summary.redeliveries} SQS redeliveries`,
    `  throughput                ${summary.throughputPerSecond.toFixed(1)} events/s over ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  latency (sent → applied)  p50 ${Math.round(summary.latencyMs.p50)} ms, p95 ${Math.round(summary.latencyMs.p95)} ms, p99 ${Math.round(summary.latencyMs.p99)} ms`,
    `  peak in-flight workflows  ${summary.peakInFlightWorkflows}`,
    `  attribute state           ${summary.state.matches ? `matches what the events imply (${summary.state.participants} participants)` : `WRONG on ${summary.state.mismatches.length}+ keys`}`,
  ];
  if (!summary.drained) lines.push('  the queue did not drain in time: what was left counts as lost');
  if (summary.validParked > 0) lines.push(`  ${summary.validParked} valid events were parked that the run did not mean to park: their reasons are listed under "parked in the DLQ"`);
  if (summary.malformedNotParked > 0) lines.push(`  ${summary.malformedNotParked} malformed events were not parked as InvalidEvent`);
  for (const mismatch of summary.state.mismatches.slice(0, 5)) lines.push(`    ${mismatch}`);
  if (context.stack.logFile !== undefined) lines.push(`  function logs             ${context.stack.logFile}`);
  console.log(lines.join('\n'));
}

/** Runs the load, prints where every event went, and writes the report (and the JSON summary when asked). */
async function runAndReport(stack: LocalStack, settings: Settings, load: RunExpectations): Promise<RunSummary> {
  const { timeScale, seed, genesysRateLimit, faultRate } = settings;
  const progress = progressReporter();
  const observation = await observeRun(stack, {
    ...load,
    ratePerSecond: settings.rate,
    drainTimeoutMs: settings.drainTimeoutSeconds * 1000,
    onProgress: progress.update,
    sampleEveryMs: DEFAULT_SAMPLE_EVERY_MS,
  });
  progress.done();
  const summary = account(observation, load);
  printSummary(summary, { stack, timeScale, seed });
  if (settings.json !== undefined) writeFileSync(settings.json, `${JSON.stringify({ ...summary, timeScale, seed }, null, 2)}\n`);
  const report = writeRunReport(settings.report, {
    summary,
    series: runSeries(observation, load),
    settings: {
      seed,
      'time scale': timeScale,
      BatchSize: stack.parameters.BatchSize ?? '',
      MaximumConcurrency: stack.parameters.MaximumConcurrency ?? '',
      'Genesys limit/min': genesysRateLimit,
      'rate limit scope': settings.rateLimitScope,
      'fault rate': faultRate,
    },
  });
  console.log(`  run report                ${report}`);
  console.log(summaryLine(summary));
  return summary;
}

/** Leaves the stack up, with its endpoints printed and its stack file written for `npm run dlq`, until Ctrl-C. */
async function keepRunning(stack: LocalStack): Promise<never> {
  const stackFile = writeStackFile(stack);
  // Ctrl-C ends the process by the signal (the stack re-raises it), which skips 'exit': remove the file on both.
  const removeFile = (): void => removeStackFile(stackFile);
  for (const event of ['exit', 'SIGINT', 'SIGTERM'] as const) process.once(event, removeFile);
  console.log(
    [
      '',
      'The stack stays up. Ctrl-C stops it.',
      `  AWS (moto)        AWS_ENDPOINT_URL=${stack.endpoints.moto}  (any access key, region us-east-1)`,
      `  event bus         ${stack.busName}`,
      `  EventsQueue       ${stack.queues.eventsQueueUrl}`,
      `  DLQ               ${stack.queues.deadLetterQueueUrl}`,
      `  Step Functions    ${stack.endpoints.stepFunctions}`,
      `  Genesys simulator ${stack.endpoints.genesys}  (GET /__sim/state, /__sim/ledger)`,
      `  stack file        ${stackFile}  (npm run dlq -- list finds the queues there)`,
      '',
      'Send an event:',
      `  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url ${stack.endpoints.moto} --region us-east-1 events put-events \\`,
      `    --entries '[{"EventBusName":"${stack.busName}","Source":"aws.partner/genesys.com/cloud/local","DetailType":"v2.detail.events.conversation.{id}.customer.start","Detail":"{...}"}]'`,
    ].join('\n'),
  );
  return new Promise<never>(() => undefined);
}

async function main(): Promise<number> {
  const settings = parseSettings();
  if (settings === undefined) {
    console.log(HELP);
    return 0;
  }
  const load = loadOf(settings);
  console.log(`Starting the local stack (moto, Step Functions endpoint, Lambda runtime, Genesys simulator)…`);
  const stack = await startLocalStack({
    timeScale: settings.timeScale,
    genesys: { requestsPerMinute: settings.genesysRateLimit, rateLimitScope: settings.rateLimitScope, faultRate: settings.faultRate, seed: settings.seed, dataTables: dataTablesOf(settings.actions) },
    ...(settings.rateLimitScope === 'client' ? { parameters: { GenesysRateLimitScope: 'client' } } : {}),
    ...(settings.actions === defaultActions() ? {} : { actions: settings.actions }),
  });
  try {
    console.log(
      `Stack up: handlers from ${stack.handlerKind === 'bundle' ? 'the esbuild bundles SAM deploys' : 'the TypeScript sources'}; ` +
        `BatchSize ${stack.parameters.BatchSize}, MaximumConcurrency ${stack.parameters.MaximumConcurrency}; ` +
        `Genesys limit ${settings.genesysRateLimit}/min per ${settings.rateLimitScope === 'client' ? 'OAuth client (shared budget)' : 'token'}, fault rate ${settings.faultRate}.`,
    );
    const summary = await runAndReport(stack, settings, load);
    if (settings.keepRunning) await keepRunning(stack);
    return summary.lost === 0 && summary.state.matches && summary.malformedNotParked === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

// Moto missing is the user's to fix (the message says how); the exit status stays 2, as for any failure.
void runMain(main, { command: 'npm start', userErrors: [MotoUnavailableError, ActionsError, ConversationsFileError], userErrorStatus: 2 });
