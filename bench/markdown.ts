/** docs/benchmarks.md: every figure of one bench run, section by section, with how it was measured. */
import { VARIANTS } from './cold-start.js';
import type { CostInputs } from './cost.js';
import { changes } from './changes.js';
import { kb, pct, table } from './format.js';
import type { GoodputResult } from './goodput.js';
import { lastLine, renderTable, type BenchReport } from './report.js';
import { round } from './stats.js';
import { notMet } from './targets-not-met.js';
import { scalingSection } from './scaling-report.js';

/** Section 1's table: design and baseline side by side. */
function goodputTable(report: BenchReport): string {
  const { design, baseline } = report.goodput;
  const line = (label: string, f: (run: GoodputResult) => string | number): (string | number)[] => [label, f(design), f(baseline)];
  return table(
    ['', 'design', 'baseline'],
    [
      line('events offered', (r) => r.events),
      line('applied / parked / lost', (r) => `${r.applied} / ${r.parked} / ${r.lost}`),
      line('goodput (applied writes per s, whole windows)', (r) => round(r.goodputPerSecond, 2)),
      line('goodput / limit', (r) => round(r.goodputRatio, 3)),
      line('Genesys API requests', (r) => r.genesysRequests),
      line('answered 429', (r) => `${r.throttled} (${pct(r.throttledShare)})`),
      line('Genesys requests per applied event', (r) => round(r.requestsPerAppliedEvent, 3)),
      line('token requests', (r) => r.tokenRequests),
      line('time to drain (s, scaled)', (r) => round(r.drainSeconds, 1)),
      line('processor invocations', (r) => r.processorInvocations),
      line('workflow retries', (r) => r.workflowRetries),
      line('SQS redeliveries', (r) => r.redeliveries),
      line('Express executions', (r) => r.executions),
      line('parked by reason', (r) => JSON.stringify(r.parkedByReason)),
    ],
  );
}

/** Section 3: bundle sizes and import times of every variant, what each dependency costs, what each package adds. */
function coldStartSection(report: BenchReport): string[] {
  const bundles = report.coldStart.bundles;
  const sizeRows = bundles.map((b) => [b.variant, b.function, kb(b.bytes), round(b.importMs, 1), `${round(b.importRatio, 2)}×`]);
  const probeRows = report.coldStart.probes.map((p) => [p.name, kb(p.bytes), round(p.importMs, 1), `${round(p.importRatio, 2)}×`]);
  const template = bundles.filter((b) => b.variant === 'template');
  const packages = [...new Set(template.flatMap((b) => Object.keys(b.byPackage)))]
    .map((name) => [name, ...template.map((b) => kb(b.byPackage[name] ?? 0))] as (string | number)[])
    .sort((a, b) => Number(b[1]) + Number(b[2] ?? 0) - (Number(a[1]) + Number(a[2] ?? 0)))
    .filter((row) => row.slice(1).some((value) => Number(value) >= 0.5));
  return [
    '## 3. Cold start',
    '',
    `Fresh \`node\` ${report.coldStart.node} processes, interleaved, median of ${report.quick ? 3 : 15} rounds; bare \`node\` start ${round(report.coldStart.bareMs, 1)} ms on this run.`,
    'The ratio is the median of each round\'s import time over that round\'s bare start.',
    '',
    table(['variant', 'function', 'KB', 'import ms', 'vs bare node'], sizeRows),
    '',
    'The variants (each is `template` with one thing changed):',
    '',
    ...VARIANTS.map((variant) => `- \`${variant.name}\`: ${variant.describe}.`),
    '',
    'What each dependency costs at import, alone (a one-line module that imports it and does what our handlers do with it at',
    'init, built as the dispatcher is, timed in the same rounds):',
    '',
    probeRows.length === 0 ? '(not measured with `--quick`)' : table(['module', 'KB', 'import ms', 'vs bare node'], probeRows),
    '',
    'What each package adds to the bundle as built (KB of minified output, esbuild metafile):',
    '',
    table(['package', ...template.map((b) => b.function)], packages),
  ];
}

/** Section 6: the cost model per million events in its three regimes, the line that moves most, and its inputs. */
function costSection(report: BenchReport): string[] {
  const { design, baseline, keepingUp } = report.cost;
  const s = report.settings;
  const lines = Object.keys(design.lines).map((line) => [line, round(design.lines[line] ?? 0, 3), round(baseline.lines[line] ?? 0, 3), round(keepingUp.lines[line] ?? 0, 3)]);
  const input = (inputs: CostInputs, key: string): number => round((inputs as unknown as Record<string, number>)[key] ?? 0, 4);
  const inputs = Object.keys(design.inputs).map((key) => [key, input(design.inputs, key), input(baseline.inputs, key), input(keepingUp.inputs, key)]);
  const realLimitPerMinute = 300;
  return [
    '## 6. Cost',
    '',
    `Prices: ${report.cost.prices.region}, read ${report.cost.prices.date} (bench/cost.ts, \`PRICES\`). Free tiers left out.`,
    '',
    'Two regimes. **Overloaded** is the goodput run above: offered 3× the limit, so events wait. The design makes them wait',
    'in SQS and in its limiter, the baseline in retries. **Keeping up** is the design offered exactly what one token allows:',
    `${keepingUp.run.events} events of the same kind at ${keepingUp.run.ratePerSecond} a second (Genesys' 300 a minute), in real time, on the warm stack of`,
    `section 5 with the template's batch settings (${keepingUp.run.applied} applied). Nothing waits for the limiter and nothing retries.`,
    '',
    table(
      ['$ per million events', 'design, overloaded', 'baseline, overloaded', 'design, keeping up'],
      [...lines, ['**total**', `**${round(design.total, 2)}**`, `**${round(baseline.total, 2)}**`, `**${round(keepingUp.total, 2)}**`]],
    ),
    '',
    `The line that moves most between design and baseline: **${report.cost.lever.line}** (${report.cost.lever.saving >= 0 ? 'saves' : 'costs'} $${round(Math.abs(report.cost.lever.saving), 3)} per million events).`,
    '',
    `The overloaded waits are those of the bench's limit. That limit is ${s.limit} requests per token per (scaled) minute,`,
    `${round(realLimitPerMinute / s.limit, 1)}× below Genesys' ${realLimitPerMinute}. With Little's law, an event that waits for the limiter waits`,
    `in-flight ÷ limit. At the real limit, the design's waits in the dispatcher (its \`dispatcherSecondsPerEvent\`) would be`,
    `${round(realLimitPerMinute / s.limit, 1)}× shorter for the same number of workflows in flight. So its overloaded Lambda GB-s line is an upper bound.`,
    '',
    'Model inputs per event (measured; overloaded waits scaled back to real time):',
    '',
    table(['input', 'design, overloaded', 'baseline, overloaded', 'design, keeping up'], inputs),
    '',
    ...subscriptionSection(report),
  ];
}

/** What the rule's filter saves for a realistic subscription, per actions file. */
function subscriptionSection(report: BenchReport): string[] {
  const { forwarded, files } = report.cost.subscription;
  const kinds = [...new Set(files.flatMap(({ mix }) => Object.keys(mix.byKind)))].sort();
  return [
    '### What the rule\'s filter saves (actions.yaml)',
    '',
    'Genesys delivers every conversation kind a subscription names; an actions file acts on a few. The rule now forwards',
    'only the kinds the file uses (docs/actions.md). Before, every kind reached SQS: an event no action used still cost an',
    `SQS message, a dispatcher slot, two idempotency writes and an Express execution. Measured: ${forwarded.run.events} such events`,
    `(kinds the default file does not use) at ${forwarded.run.ratePerSecond} a second through a stack whose rule forwards every kind:`,
    `**$${round(forwarded.total, 2)} per million**, against $${round(report.cost.prices.eventBridgePerMillionEvents, 2)} (EventBridge's publish only) once the rule filters them.`,
    'The mix is the load generator\'s conversations (no outbound campaigns or voicemail), plus the `attributes` event Genesys',
    'raises for every attributes write the pipeline makes; acted-on events cost what keeping up costs above.',
    '',
    table(
      ['actions file', 'delivered', 'acted on', 'routed past', 'filtered by the rule', '$/M delivered, every kind', '$/M delivered, the file\'s kinds', 'saving $/M delivered'],
      files.map(({ file, mix, everyKind, fileKinds, saving }) => [
        file,
        mix.delivered,
        mix.actedOn,
        mix.routedPast,
        mix.delivered - mix.actedOn - mix.routedPast,
        round(everyKind, 2),
        round(fileKinds, 2),
        `**${round(saving, 2)}** (${round((100 * saving) / Math.max(1e-9, everyKind), 1)} %)`,
      ]),
    ),
    '',
    'Events delivered per kind:',
    '',
    table(['actions file', ...kinds], files.map(({ file, mix }) => [file, ...kinds.map((kind) => mix.byKind[kind] ?? 0)])),
  ];
}

/** Where and when the figures were taken, and the summary table. */
function preamble(report: BenchReport): string[] {
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${report.quick ? ' -- --quick' : ''}\` on ${report.machine.date} (${Math.round(report.seconds)} s).`,
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGb} GB, ${report.machine.platform}, Node ${report.machine.node};`,
    `load average ${report.machine.loadAverage} at the start (other work on the machine slows absolute timings; ratios are measured side by side).`,
    'Every figure here comes from that run; the same figures are in docs/benchmarks.json.',
    '',
    '## Summary',
    '',
    '```',
    renderTable(report),
    lastLine(report),
    '```',
  ];
}

/** Section 1: how the limit, the load and the baseline are set up, and the goodput of both. */
function goodputSection(report: BenchReport): string[] {
  const s = report.settings;
  const windowSeconds = 60 / s.timeScale;
  return [
    '## 1. Goodput under the Genesys limit',
    '',
    '**The limit.** Genesys allows 300 requests per minute per OAuth token, and every processor execution environment has its',
    'own token. The bench makes one token the bottleneck: the processor runs in at most one execution environment (the local',
    `stack's \`maxConcurrency\`), and the simulator allows **${s.limit} requests per token per minute**. The minute is scaled:`,
    `the local stack runs with timeScale ${s.timeScale}, so the simulator's rolling window lasts ${windowSeconds} s, and every duration of`,
    `the template and the ASL (timeouts, retry intervals, the batching window) is divided by ${s.timeScale}. The limit is then`,
    `${round(s.limit / windowSeconds, 2)} requests per second. The processor's own limiter counts per real minute when deployed`,
    `(\`GENESYS_REQUESTS_PER_MINUTE\` over 60 s); here it counts the same ${s.limit} over the same ${windowSeconds} s window`,
    '(`GENESYS_RATE_LIMIT_WINDOW_MS`, which only the local stack sets), so both sides count one window. The durations the',
    'functions read from their environment (request timeout, redelivery delays, the in-place Retry-After cap) are divided the',
    "same way. `Retry-After` stays in real seconds: it is how long a client must actually wait for the simulator's window.",
    '',
    `**The load.** ${round(s.offeredFactor * s.limit * s.minutes)} events of the kinds the pipeline writes, each with its participantId`,
    `(one PATCH each), sent through EventBridge at ${s.offeredFactor}× the limit for ${s.minutes} scaled minutes, then drained. Goodput is`,
    'the applied writes counted over the whole windows from the first write on, divided by the limit; "time to drain" runs',
    'from the first event sent until the queue is empty and nothing runs.',
    '',
    '**The baseline** is the original design of this pipeline, run on the same load in the same bench: no per-token limiter',
    '(`GENESYS_REQUESTS_PER_MINUTE` 1000000) and no reported budget (the simulator leaves `inin-ratelimit-*` off for it), no',
    '`Retry-After` waited out in place, fixed retries without jitter (the',
    'ASL with `JitterStrategy` and `MaxDelaySeconds` removed and `BackoffRate` 1, loaded through the stack\'s',
    `\`transformDefinition\`; the deployed ASL is untouched) and no maximum concurrency on the event source (MaximumConcurrency`,
    `${s.baselineConcurrency}: Lambda scales an SQS event source without one up to 1,250 concurrent batches; ${s.baselineConcurrency} is what this 2-core machine holds).`,
    '',
    goodputTable(report),
  ];
}

/** Section 2: Genesys requests per event with and without participantId, token requests per environment. */
function requestsSection(report: BenchReport): string[] {
  const t = report.throughput;
  return [
    '## 2. Requests per event',
    '',
    `On a warm stack without a Genesys limit: ${report.quick ? 10 : 60} customer events that carry participantId took **${round(t.requestsPerEventWithParticipant, 3)}**`,
    `Genesys requests each; as many that do not (the processor reads the conversation for its customer participant first) took`,
    `**${round(t.requestsPerEventWithoutParticipant, 3)}**. Token requests over the whole throughput stage: ${t.tokenRequests} for`,
    `${t.processorEnvironments} processor execution environments (**${round(t.tokenRequestsPerEnvironment, 2)}** per environment; a token lives 24 h).`,
  ];
}

/** Section 4: CPU time of each handler, warm, against loopback stand-ins that answer at once. */
function overheadSection(report: BenchReport): string[] {
  return [
    '## 4. Handler overhead',
    '',
    'CPU time (user + system) of one bundle in its own Node process, warm, every call answered at once on loopback: AWS',
    `(DynamoDB, Step Functions, Secrets Manager) by a stand-in, Genesys (token, PATCH) by the simulator with no limit, latency or fault; median of ${report.overhead.samples.dispatcher.length} processes.`,
    '',
    table(
      ['function', 'µs CPU', 'samples'],
      [
        ['dispatcher, per record (batches of 10)', Math.round(report.overhead.dispatcherMicrosPerRecord), report.overhead.samples.dispatcher.map((v) => Math.round(v)).join(', ')],
        ['processor, per event', Math.round(report.overhead.processorMicrosPerEvent), report.overhead.samples.processor.map((v) => Math.round(v)).join(', ')],
      ],
    ),
  ];
}

/** Section 5: local throughput without a Genesys limit, and CPU per event by part. */
function throughputSection(report: BenchReport): string[] {
  const t = report.throughput;
  const cpu = t.cpuMsPerEvent;
  const cpuTotal = cpu.moto + cpu.mainThread + cpu.workers;
  return [
    '## 5. Local throughput and where the time goes',
    '',
    `${t.events} generated events (5 % without participantId, the usual mix of kinds), sent as fast as PutEvents takes them,`,
    `no Genesys limit, real time: **${round(t.eventsPerSecond, 1)} events/s** end to end (${round(t.durationSeconds, 1)} s, publishing included).`,
    'CPU per event, by part:',
    '',
    table(
      ['part', 'CPU ms per event', 'share'],
      [
        ['moto (SQS, EventBridge, DynamoDB, Secrets Manager), a Python process', round(cpu.moto, 2), pct(cpu.moto / cpuTotal)],
        ['main thread: Step Functions engine, SQS poller, Genesys simulator, load publisher, their SDK clients', round(cpu.mainThread, 2), pct(cpu.mainThread / cpuTotal)],
        ['worker threads: the two handlers (and V8 helper threads)', round(cpu.workers, 2), pct(cpu.workers / cpuTotal)],
      ],
    ),
    '',
    `Mean invocation wall time: dispatcher ${round(t.meanInvocationMs.dispatcherPerRecord, 1)} ms per record (it waits for the sync execution), processor ${round(t.meanInvocationMs.processor, 1)} ms.`,
  ];
}

/** What was changed because of these figures, before and after. */
function changesSection(report: BenchReport): string[] {
  return [
    '## Changes made from these figures',
    '',
    table(
      ['change', 'figure', 'before', 'after', 'after / before'],
      changes(report.coldStart.bundles).map((change) => [change.change, change.figure, change.before, change.after, change.ratio]),
    ),
  ];
}

/** The last section: each target missed and what limits it, then the standing notes. */
function targetsSection(report: BenchReport): string[] {
  return ['## Targets not met, and what limits them', '', ...notMet(report)];
}

/** The sections of docs/benchmarks.md, in order, each its own lines; a blank line between two. */
const SECTIONS: readonly ((report: BenchReport) => string[])[] = [
  preamble,
  goodputSection,
  (report) => scalingSection(report.scaling),
  requestsSection,
  coldStartSection,
  overheadSection,
  throughputSection,
  costSection,
  changesSection,
  targetsSection,
];

/** docs/benchmarks.md. */
export function renderMarkdown(report: BenchReport): string {
  return `${SECTIONS.map((section) => section(report).join('\n')).join('\n\n')}\n`;
}
