/** The report's last section: each target this run missed, what limits it, and the standing notes on cold start. */
import { kb, pct, referenceOf } from './format.js';
import { COLD_START_TARGETS, type BenchReport } from './report.js';
import { scalingNotMet } from './scaling-report.js';
import { round } from './stats.js';

/** Explanations the bench can state from its own figures. */
export function notMet(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const bundle of report.coldStart.bundles.filter((b) => b.variant === 'template')) {
    const target = COLD_START_TARGETS[bundle.function];
    if (target === undefined) continue;
    if (kb(bundle.bytes) > target.kb || bundle.importRatio > target.ratio) {
      const sdk = Object.entries(bundle.byPackage)
        .filter(([name]) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))
        .reduce((sum, [, bytes]) => sum + bytes, 0);
      const reference = referenceOf(report.coldStart.bundles, bundle.function);
      lines.push(
        `- **${bundle.function}**: ${kb(bundle.bytes)} KB, ${round(bundle.importRatio, 2)}× (targets ${target.kb} KB, ${target.ratio}×). ` +
          `The AWS SDK v3 (@aws-sdk/* and @smithy/*) is ${kb(sdk)} KB of it.` +
          (reference === undefined
            ? ''
            : ` The plain reference the targets were set from measures ${round(reference.importRatio, 2)}× and ${kb(reference.bytes)} KB in this ` +
              `run (the issue quotes ${target.quoted.ratio}× and ${target.quoted.kb} KB for it, measured elsewhere); ` +
              `ours imports in ${round(bundle.importRatio / reference.importRatio, 2)}× its time.`) +
          ' See "Cold start: what limits it" below.',
      );
    }
  }
  const { design } = report.goodput;
  if (design.throttledShare > 0.01 || design.parked > 0) {
    lines.push(
      `- **Design: ${pct(design.throttledShare)} of Genesys requests answered 429, ${design.parked} of ${design.events} events parked ` +
        `(${JSON.stringify(design.parkedByReason)}).** The processor's limiter paces requests one window ÷ limit apart with a 1 % ` +
        'margin on the window (functions/shared/genesys/rate-limiter.ts); what remains comes from the machine: a stalled ' +
        'environment (load from other work) sends late requests together, or its invocation times out waiting for its slot.',
    );
  }
  lines.push(...scalingNotMet(report.scaling));
  if (lines.length === 0) lines.push('- All targets measured here are met.');
  const importTargetMissed = report.coldStart.bundles.some((b) => b.variant === 'template' && b.importRatio > (COLD_START_TARGETS[b.function]?.ratio ?? Infinity));
  return [...lines, '', ...LIMITS, ...(importTargetMissed ? ['', ...floor(report)] : [])];
}

/** Whether this run's import targets lie below what one constructed SDK client costs alone. */
function belowOneClient(report: BenchReport): string {
  const cheapest = Math.min(
    ...report.coldStart.probes.filter((p) => p.name.endsWith('client, constructed') && !p.name.includes('+')).map((p) => p.importRatio),
  );
  const targets = Object.values(COLD_START_TARGETS).map((t) => t.ratio);
  const below = targets.filter((t) => t < cheapest);
  if (below.length === targets.length) return `Both targets (${targets.map((t) => `${t}×`).join(', ')}) lie below one constructed SDK client on this machine.`;
  if (below.length === 0) return `Both targets (${targets.map((t) => `${t}×`).join(', ')}) lie above one constructed SDK client on this machine.`;
  return `The ${below.map((t) => `${t}×`).join(', ')} target lies below one constructed SDK client on this machine.`;
}

/** What the dependency probes of this run say about the floor under the import targets. */
function floor(report: BenchReport): string[] {
  if (report.coldStart.probes.length === 0) return ['The dependency probes run in the full `npm run bench`, not with `--quick`.'];
  const probe = (name: string): string => {
    const found = report.coldStart.probes.find((p) => p.name === name);
    return found === undefined ? 'n/a' : `${round(found.importRatio, 2)}×`;
  };
  return [
    `In this run an empty ES module imports in ${probe('an empty ES module')} the time of a bare start, Powertools Logger alone in`,
    `${probe('Powertools Logger')}, and one SDK client constructed at init (what the design card's Secrets Manager or Step Functions`,
    `client costs before any of our code) in ${probe('Secrets Manager client, constructed')} and ${probe('SFN client, constructed')}; importing`,
    `the SFN client without constructing it is already ${probe('SFN client, imported only')}. ${belowOneClient(report)}`,
    'The only way under the targets is to import the SDK on the first invocation instead of at init. That would',
    'move the time, not remove it: the first event of every new environment would wait for it, and with provisioned',
    'concurrency the init it leaves is the part Lambda runs ahead of time. We kept the clients at init and took the real',
    'savings: the build options above, and no `--enable-source-maps` (the `source-maps-enabled` variant). Constructing the',
    `dispatcher's SQS client on its first redelivery would save at most the step from ${probe('SFN + DynamoDB clients, constructed')} to`,
    `${probe('SFN + DynamoDB + SQS clients, constructed')}, and move it onto the first redelivery; this step is the noisiest figure of the table`,
    '(two probes a few KB apart), so read it across runs before acting on it.',
  ];
}

/** Standing notes on the limits, written from the measurements of the variants above. */
const LIMITS = [
  '### Cold start: what limits it',
  '',
  'The dispatcher needs three AWS clients (DynamoDB for Powertools idempotency, Step Functions, SQS) and the processor one',
  '(Secrets Manager for Powertools Parameters). Every SDK v3 client brings @smithy/core (the schema serde and the protocols),',
  'the credential-provider chain, and the signer. `MainFields: module,main` lets esbuild take the ES module builds and drop',
  'what is not used (see the `main-fields-default` variant). The credential providers past the environment one (SSO, ini,',
  'process, web identity, HTTP, IMDS, with their nested STS/SSO clients) are imported lazily by the SDK and never reached in',
  'Lambda, which hands credentials over in environment variables: template.yaml marks them External (see the',
  '`credential-providers-bundled` variant; tests/unit/bundle.test.ts keeps them lazy). Marking all of `@aws-sdk/*` External',
  'shrinks the bundle to our code and Powertools, but a Lambda then loads the runtime\'s SDK from its node_modules at init: the',
  '`sdk-external` variant loads it from this project\'s node_modules the same way, and its import ratio shows that the SDK\'s',
  'cost only moves, it does not go away. It would also tie the functions to whichever SDK version the runtime ships.',
];
