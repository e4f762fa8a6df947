/**
 * `npm run bench [-- --quick] [--node <path>]`: every figure of docs/benchmarks.md, measured side by side in one run:
 * goodput under the Genesys limit (design against baseline), the budget as environments multiply, requests per event, cold start, handler
 * overhead, local throughput and a cost model. Writes docs/benchmarks.md and docs/benchmarks.json and
 * prints a table whose last line is
 * `bench: goodput_ratio=X throttled_share=X requests_per_event=X scaling_goodput_min=X scaling_throttled_max=X`. `--node` times the cold
 * starts on another node binary, e.g. Lambda's Node 22: `--node "$(npx -y node@22 -p process.execPath)"`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, functionProperty, loadTemplate } from '../template/index.js';
import { runMain } from '../tools/cli.js';
import { coldStart } from './cold-start.js';
import { PRICES, biggestLever, costPerMillionEvents, defaultTracedShare, type CostInputs } from './cost.js';
import { forwardedNotActedOn, subscriptionCost, subscriptionMix } from './subscription.js';
import { ACTIONS_PATH, readActions } from '../tools/actions/index.js';
import { goodput, type GoodputResult, type GoodputSettings } from './goodput.js';
import { scaling, type ScalingSettings } from './scaling.js';
import { renderMarkdown } from './markdown.js';
import { handlerOverhead } from './overhead.js';
import { renderTable, lastLine, type BenchReport } from './report.js';
import { machineInfo, ratio } from './stats.js';
import { throughput, type KeepingUpResult, type ThroughputResult } from './throughput.js';

/** Platform lines Lambda writes per invocation (START, END, REPORT), bytes. */
const PLATFORM_LOG_BYTES_PER_INVOCATION = 350;
/** The real Genesys limit the cost model runs at: 300 requests per minute per token. */
const REAL_EVENTS_PER_SECOND = 300 / 60;

/**
 * The model's inputs for one goodput run. The processor's billed time is its invocations times the mean
 * invocation of the unthrottled throughput stage: in the goodput runs one environment serves every
 * invocation, so their wall time includes waiting for it, which Lambda would not bill.
 */
function costInputs(run: GoodputResult, settings: GoodputSettings, memory: { dispatcher: number; processor: number }, meanRetryWaitSeconds: number, processorMs: number): CostInputs {
  const events = Math.max(1, run.events);
  const perEvent = (n: number): number => n / events;
  // Waits in the run were time-scaled; scaled back they are what Lambda and Express would bill.
  const realSeconds = (ms: number): number => (ms * settings.timeScale) / 1000;
  const failedDeliveries = run.redeliveries;
  const executionsPerEvent = perEvent(run.executions);
  const processorSeconds = (perEvent(run.processorInvocations) * processorMs) / 1000;
  const dispatcherInvocationsPerEvent = perEvent(run.dispatcherInvocations);
  return {
    // EventBridge's SendMessage, one receive and one DeleteMessageBatch per batch, a visibility change per failed delivery, a send per parked message.
    sqsRequestsPerEvent: perEvent(run.events + 2 * run.batches + failedDeliveries + run.parked),
    dispatcherInvocationsPerEvent,
    dispatcherSecondsPerEvent: perEvent(realSeconds(run.invocationMs.dispatcher)),
    dispatcherMemoryMb: memory.dispatcher,
    processorInvocationsPerEvent: perEvent(run.processorInvocations),
    processorSecondsPerEvent: processorSeconds,
    processorMemoryMb: memory.processor,
    executionsPerEvent,
    executionSeconds: ratio(processorSeconds + perEvent(run.workflowRetries) * meanRetryWaitSeconds, executionsPerEvent) || 0,
    // Powertools idempotency: a conditional PutItem, then an UpdateItem (done) or a DeleteItem (failed) per execution.
    dynamoDbWritesPerEvent: 2 * executionsPerEvent,
    dynamoDbReadsPerEvent: 0,
    // One GetSecretValue per environment every GENESYS_SECRET_MAX_AGE_SECONDS (300), at the limit's rate.
    secretsManagerCallsPerEvent: 1 / (300 * REAL_EVENTS_PER_SECOND),
    logBytesPerEvent: perEvent(run.logBytes + PLATFORM_LOG_BYTES_PER_INVOCATION * (run.dispatcherInvocations + run.processorInvocations)),
    tracedShare: dispatcherInvocationsPerEvent * defaultTracedShare(REAL_EVENTS_PER_SECOND * dispatcherInvocationsPerEvent),
  };
}

/**
 * The model's inputs while the pipeline keeps up: the paced run at the real limit (bench/throughput.ts
 * `keepUp`), with the template's batch settings, in real time. Nothing waits for a limiter, nothing retries.
 */
function keepingUpInputs(run: KeepingUpResult, memory: { dispatcher: number; processor: number }): CostInputs {
  return {
    // EventBridge's SendMessage, then one receive and one DeleteMessageBatch per batch.
    sqsRequestsPerEvent: 1 + 2 * run.dispatcherInvocationsPerEvent,
    dispatcherInvocationsPerEvent: run.dispatcherInvocationsPerEvent,
    dispatcherSecondsPerEvent: run.dispatcherSecondsPerEvent,
    dispatcherMemoryMb: memory.dispatcher,
    processorInvocationsPerEvent: run.processorInvocationsPerEvent,
    processorSecondsPerEvent: run.processorInvocationsPerEvent * run.processorSecondsPerInvocation,
    processorMemoryMb: memory.processor,
    executionsPerEvent: 1,
    executionSeconds: run.processorSecondsPerInvocation,
    dynamoDbWritesPerEvent: 2,
    dynamoDbReadsPerEvent: 0,
    secretsManagerCallsPerEvent: 1 / (300 * run.ratePerSecond),
    logBytesPerEvent: run.logBytesPerEvent + PLATFORM_LOG_BYTES_PER_INVOCATION * (run.dispatcherInvocationsPerEvent + run.processorInvocationsPerEvent),
    tracedShare: run.dispatcherInvocationsPerEvent * defaultTracedShare(run.ratePerSecond * run.dispatcherInvocationsPerEvent),
  };
}

/** The worked examples of docs/actions.md: three actions on acw, acd.end and user.end. */
const EXAMPLE_ACTIONS_PATH = resolve(PROJECT_ROOT, 'docs/examples/actions.example.yaml');

/** Subscription mixes are taken from this many generated conversations (seed 11), per actions file. */
const SUBSCRIPTION_CONVERSATIONS = 500;

/**
 * What the rule's filter saves per million events delivered, for the default file and the worked examples: an
 * acted-on event costs what keeping up costs, a forwarded one no action uses what the forwarded run cost, a filtered
 * one only EventBridge's publish.
 */
function subscriptionModel(actedOnTotal: number, forwardedRun: KeepingUpResult, memory: { dispatcher: number; processor: number }): BenchReport['cost']['subscription'] {
  const forwardedInputs = keepingUpInputs(forwardedRun, memory);
  const forwarded = { inputs: forwardedInputs, ...costPerMillionEvents(forwardedInputs), run: forwardedRun };
  const perEvent = { actedOn: actedOnTotal, forwardedNotActedOn: forwarded.total, filtered: PRICES.eventBridgePerMillionEvents };
  const files = [ACTIONS_PATH, EXAMPLE_ACTIONS_PATH].map((path) => {
    const actions = readActions(path);
    const mix = subscriptionMix(actions, SUBSCRIPTION_CONVERSATIONS, 11);
    return { file: actions.file, mix, ...subscriptionCost(mix, perEvent) };
  });
  return { forwarded, files };
}

/** The cost model in its three regimes: design and baseline overloaded (the goodput runs), the design keeping up. */
function costModel(runs: { design: GoodputResult; baseline: GoodputResult }, local: ThroughputResult, settings: GoodputSettings, forwardedRun: KeepingUpResult): BenchReport['cost'] {
  const template = loadTemplate();
  const memoryOf = (id: string): number => Number(functionProperty(template, id, 'MemorySize') ?? 256);
  const memory = { dispatcher: memoryOf('DispatcherFunction'), processor: memoryOf('ProcessorFunction') };
  // Mean first retry wait: FULL jitter on 2 s averages 1 s; the baseline waits the full 2 s.
  const design = costInputs(runs.design, settings, memory, 1, local.meanInvocationMs.processor);
  const baseline = costInputs(runs.baseline, settings, memory, 2, local.meanInvocationMs.processor);
  const keepingUp = keepingUpInputs(local.keepingUp, memory);
  const designCost = costPerMillionEvents(design);
  const baselineCost = costPerMillionEvents(baseline);
  return {
    prices: PRICES,
    design: { inputs: design, ...designCost },
    baseline: { inputs: baseline, ...baselineCost },
    keepingUp: { inputs: keepingUp, ...costPerMillionEvents(keepingUp), run: local.keepingUp },
    lever: biggestLever(designCost, baselineCost),
    subscription: subscriptionModel(costPerMillionEvents(keepingUp).total, forwardedRun, memory),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'string' }, markdown: { type: 'string' }, node: { type: 'string' } } });
  const quick = values.quick === true;
  const started = Date.now();
  const log = (line: string): void => console.error(line);
  const machine = machineInfo();
  log(`bench${quick ? ' --quick' : ''}: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage}, node ${machine.node}`);

  const settings: GoodputSettings = quick
    ? { timeScale: 5, limit: 24, minutes: 0.75, offeredFactor: 3, baselineConcurrency: 10, seed: 7 }
    : { timeScale: 5, limit: 24, minutes: 5, offeredFactor: 3, baselineConcurrency: 10, seed: 7 };

  log('cold start');
  // --quick leaves out the dependency probes: 11 more processes a round would take it past 2 minutes.
  const cold = await coldStart(quick ? 3 : 15, log, { probes: !quick, ...(values.node === undefined ? {} : { node: values.node }) });
  const bundleOf = (fn: string): string => resolve(PROJECT_ROOT, '.local/bench/template', fn, 'handler.mjs');
  log('handler overhead');
  const overhead = await handlerOverhead({ dispatcher: bundleOf('DispatcherFunction'), processor: bundleOf('ProcessorFunction') }, quick ? { runs: 3, iterations: 60 } : { runs: 7, iterations: 500 }, log);
  log('goodput under the Genesys limit');
  const runs = await goodput(settings, log);
  log('the budget as environments multiply');
  const scalingSettings: ScalingSettings = quick
    ? { timeScale: 2.5, perTokenLimit: 24, perClientLimit: 96, environments: [1, 4], minutes: 0.25, keepingUpMinutes: 0.5, seed: 7 }
    : { timeScale: 2.5, perTokenLimit: 24, perClientLimit: 192, environments: [1, 2, 4, 8], minutes: 0.5, keepingUpMinutes: 1.5, seed: 7 };
  const scaled = await scaling(scalingSettings, log);
  log('local throughput');
  const local = await throughput({ events: quick ? 40 : 600, perKind: quick ? 10 : 60, keepingUpEvents: quick ? 20 : 150, timeScale: 1, seed: 3 }, log);

  log('a forwarded event no action uses (the rule before it followed actions.yaml)');
  const forwardedRun = await forwardedNotActedOn(readActions(), quick ? 20 : 150, 13, log);
  const cost = costModel(runs, local, settings, forwardedRun);
  const report: BenchReport = {
    quick,
    machine,
    seconds: (Date.now() - started) / 1000,
    settings,
    goodput: runs,
    throttledFewerBy: ratio(runs.baseline.throttledShare, runs.design.throttledShare),
    throughput: local,
    scaling: { settings: scalingSettings, batchingWindowSeconds: Number(loadTemplate().Parameters?.MaximumBatchingWindowInSeconds?.Default ?? 0) / scalingSettings.timeScale, cells: scaled },
    coldStart: cold,
    overhead,
    cost,
  };
  const jsonPath = values.json ?? resolve(PROJECT_ROOT, 'docs/benchmarks.json');
  const markdownPath = values.markdown ?? resolve(PROJECT_ROOT, 'docs/benchmarks.md');
  writeFileSync(jsonPath, `${JSON.stringify(report, (key, value: unknown) => (key === 'summary' ? undefined : value), 2)}\n`);
  writeFileSync(markdownPath, renderMarkdown(report));
  console.log(renderTable(report));
  console.log(lastLine(report));
  return 0;
}

void runMain(main, { command: 'bench', failureStatus: 1 });
