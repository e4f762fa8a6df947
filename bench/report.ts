/**
 * The bench's console output: the table of figures against the targets of issue 5, each row saying
 * whether its figure meets its target, and the machine-readable last line. ./markdown.ts writes
 * docs/benchmarks.md from the same report.
 */
import type { ColdStartResult } from './cold-start.js';
import type { CostBreakdown, CostInputs, PRICES } from './cost.js';
import type { SubscriptionMix } from './subscription.js';
import { kb, ok, pct, referenceOf } from './format.js';
import type { GoodputResult, GoodputSettings } from './goodput.js';
import { scalingLastLine, scalingRows, type ScalingReport } from './scaling-report.js';
import type { MachineInfo } from './stats.js';
import { ratio, round } from './stats.js';
import type { KeepingUpResult, ThroughputResult } from './throughput.js';

/** Everything one bench run measured. */
export interface BenchReport {
  quick: boolean;
  machine: MachineInfo;
  seconds: number;
  settings: GoodputSettings;
  goodput: { design: GoodputResult; baseline: GoodputResult };
  /** Baseline's 429 share over the design's (Infinity when the design had none). */
  throttledFewerBy: number;
  throughput: ThroughputResult;
  /** The budget as environments multiply (bench/scaling.ts). */
  scaling: ScalingReport;
  coldStart: ColdStartResult;
  overhead: { dispatcherMicrosPerRecord: number; processorMicrosPerEvent: number; samples: { dispatcher: number[]; processor: number[] } };
  cost: {
    prices: typeof PRICES;
    design: CostBreakdown & { inputs: CostInputs };
    baseline: CostBreakdown & { inputs: CostInputs };
    /** The design while it keeps up with the offered load (no limiter waits, no retries), and the run it was measured on. */
    keepingUp: CostBreakdown & { inputs: CostInputs; run: KeepingUpResult };
    lever: { line: string; saving: number };
    /** What the rule's filter saves for a realistic subscription (bench/subscription.ts). */
    subscription: {
      /** A forwarded event no action uses (the rule before issue 12), keeping up: its inputs, cost and run. */
      forwarded: CostBreakdown & { inputs: CostInputs; run: KeepingUpResult };
      /** Per actions file: the mix of kinds delivered and $ per million events delivered with every kind forwarded, and with the file's. */
      files: { file: string; mix: SubscriptionMix; everyKind: number; fileKinds: number; saving: number }[];
    };
  };
}

/** Size and import-time targets per function, and what the issue measured for the plain reference elsewhere. */
export const COLD_START_TARGETS: Record<string, { kb: number; ratio: number; quoted: { kb: number; ratio: number } }> = {
  DispatcherFunction: { kb: 350, ratio: 1.5, quoted: { kb: 455, ratio: 1.94 } },
  ProcessorFunction: { kb: 250, ratio: 1.3, quoted: { kb: 335, ratio: 1.67 } },
};

export interface Row {
  figure: string;
  value: string;
  target: string;
  status: string;
}

function rows(report: BenchReport): Row[] {
  const { design, baseline } = report.goodput;
  const t = report.throughput;
  const result: Row[] = [
    { figure: 'goodput / limit (design)', value: round(design.goodputRatio, 3).toString(), target: '≥ 0.95', status: ok(design.goodputRatio >= 0.95) },
    { figure: '429 share (design)', value: pct(design.throttledShare), target: '≤ 1 %', status: ok(design.throttledShare <= 0.01) },
    // The baseline is compared on what users pay for: events applied of those offered, requests per applied event, cost.
    { figure: 'events applied / offered (design vs baseline)', value: `${round(ratio(design.applied, design.events), 3)} vs ${round(ratio(baseline.applied, baseline.events), 3)}`, target: '', status: '' },
    { figure: 'Genesys requests per applied event (design vs baseline)', value: `${round(design.requestsPerAppliedEvent, 2)} vs ${round(baseline.requestsPerAppliedEvent, 2)}`, target: '', status: '' },
    {
      figure: '429s: baseline / design',
      value: design.throttledShare === 0 ? `${pct(baseline.throttledShare)} vs 0` : `${round(report.throttledFewerBy, 1)}×`,
      target: '≥ 10× fewer',
      status: ok(design.throttledShare === 0 ? baseline.throttledShare > 0 : report.throttledFewerBy >= 10),
    },
    { figure: 'Genesys requests per event with participantId', value: round(t.requestsPerEventWithParticipant, 3).toString(), target: '= 1', status: ok(Math.abs(t.requestsPerEventWithParticipant - 1) < 1e-9) },
    { figure: 'Genesys requests per event without participantId', value: round(t.requestsPerEventWithoutParticipant, 3).toString(), target: '(GET + PATCH)', status: '' },
    { figure: 'token requests per processor environment', value: round(t.tokenRequestsPerEnvironment, 2).toString(), target: '≤ 1', status: ok(t.tokenRequestsPerEnvironment <= 1) },
  ];
  for (const bundle of report.coldStart.bundles.filter((b) => b.variant === 'template')) {
    const target = COLD_START_TARGETS[bundle.function];
    if (target === undefined) continue;
    result.push({ figure: `${bundle.function} bundle`, value: `${kb(bundle.bytes)} KB`, target: `≤ ${target.kb} KB`, status: ok(kb(bundle.bytes) <= target.kb) });
    result.push({ figure: `${bundle.function} import / bare node`, value: `${round(bundle.importRatio, 2)}×`, target: `≤ ${target.ratio}×`, status: ok(bundle.importRatio <= target.ratio) });
    const reference = referenceOf(report.coldStart.bundles, bundle.function);
    if (reference !== undefined) {
      result.push({
        figure: `${bundle.function} import / plain reference (${round(reference.importRatio, 2)}×, ${kb(reference.bytes)} KB)`,
        value: `${round(bundle.importRatio / reference.importRatio, 2)}×`,
        target: '',
        status: '',
      });
    }
  }
  result.push(
    { figure: 'dispatcher CPU per record', value: `${Math.round(report.overhead.dispatcherMicrosPerRecord)} µs`, target: '', status: '' },
    { figure: 'processor CPU per event', value: `${Math.round(report.overhead.processorMicrosPerEvent)} µs`, target: '', status: '' },
    { figure: 'local throughput, no Genesys limit', value: `${round(t.eventsPerSecond, 1)} events/s`, target: '', status: '' },
    {
      figure: 'cost per million events, overloaded (design vs baseline)',
      value: `$${round(report.cost.design.total, 2)} vs $${round(report.cost.baseline.total, 2)}`,
      target: 'lower',
      status: ok(report.cost.design.total < report.cost.baseline.total),
    },
    { figure: 'cost per million events, keeping up (design)', value: `$${round(report.cost.keepingUp.total, 2)}`, target: '', status: '' },
    ...scalingRows(report.scaling),
  );
  return result;
}

/** The machine-readable last line. */
export function lastLine(report: BenchReport): string {
  const { design } = report.goodput;
  return `bench: goodput_ratio=${round(design.goodputRatio, 3)} throttled_share=${round(design.throttledShare, 4)} requests_per_event=${round(report.throughput.requestsPerEventWithParticipant, 3)}${scalingLastLine(report.scaling)}`;
}

/** The console table. */
export function renderTable(report: BenchReport): string {
  const all = rows(report);
  const header: Row = { figure: 'figure', value: 'value', target: 'target', status: 'status' };
  const widths = (['figure', 'value', 'target', 'status'] as const).map((key) => Math.max(...[header, ...all].map((row) => row[key].length)));
  const line = (row: Row): string => [row.figure.padEnd(widths[0]!), row.value.padStart(widths[1]!), row.target.padEnd(widths[2]!), row.status].join('  ');
  return [line(header), ...all.map(line)].join('\n');
}
