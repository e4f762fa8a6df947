/**
 * Cold start of each function as `sam build` bundles it: bundle size, what each dependency adds
 * (esbuild metafile), and the wall time of a fresh Node process that imports the bundle, as a ratio to a
 * fresh Node process that imports nothing. Runs are interleaved (bare, dispatcher, processor, bare, ...)
 * so that load from other work on the machine hits every variant alike; the figure is the median ratio.
 *
 * Variants are the template's BuildProperties (or the function's NODE_OPTIONS) with one option changed,
 * so each option's effect is a before/after ratio from the same run. A variant that marks `@aws-sdk/*`
 * External loads the SDK from node_modules at import, as Lambda would load the runtime's copy: the import
 * figure stays honest. The `plain-reference` variant is the issue's yardstick, built beside ours: the
 * design card's dependencies wired the obvious way (bench/reference/) and bundled as plain minified ESM.
 * Dependency probes time each dependency alone, built as the dispatcher is.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { esbuildOptions } from '../tools/build.js';
import { PROJECT_ROOT, functionBuilds, functionEnvironment, loadTemplate, type BuildProperties } from '../template/index.js';
import { median, ratio } from './stats.js';

/** A build variant: the template's BuildProperties, changed by `change`. */
export interface Variant {
  name: string;
  describe: string;
  change: (properties: BuildProperties) => BuildProperties;
  /** NODE_OPTIONS of the timed process; the function's own (template.yaml) when absent. */
  nodeOptions?: string;
}

/** The variants measured: as built, and one option off or on at a time. */
export const VARIANTS: Variant[] = [
  { name: 'template', describe: 'template.yaml BuildProperties (what `sam build` makes)', change: (p) => p },
  {
    name: 'main-fields-default',
    describe: 'without MainFields (esbuild picks the CommonJS `main` builds of the SDK)',
    change: ({ MainFields: _dropped, ...rest }) => rest,
  },
  {
    name: 'credential-providers-bundled',
    describe: 'without External (the lazily imported credential providers bundled too)',
    change: ({ External: _dropped, ...rest }) => rest,
  },
  {
    name: 'sdk-external',
    describe: 'External @aws-sdk/* (the runtime\'s SDK; loaded from node_modules here)',
    change: (p) => ({ ...p, External: [...(p.External ?? []), '@aws-sdk/*'] }),
  },
  {
    name: 'source-maps-enabled',
    describe: 'as built, started with NODE_OPTIONS=--enable-source-maps (what template.yaml set before)',
    change: (p) => p,
    nodeOptions: '--enable-source-maps',
  },
  {
    name: 'plain-reference',
    describe: 'bench/reference/: the design card\'s dependencies wired the obvious way, plain minified ESM (no MainFields, no External, SAM\'s default Target es2020)',
    change: (p) => ({
      EntryPoints: p.EntryPoints.map((entry) => entry.replace(/^functions\//, 'bench/reference/')),
      Format: 'esm',
      Minify: true,
      ...(p.OutExtension === undefined ? {} : { OutExtension: p.OutExtension }),
      ...(p.Banner === undefined ? {} : { Banner: p.Banner }),
    }),
    nodeOptions: '',
  },
];

/** A dependency alone, as the smallest module that imports it and does what our handlers do with it at init. */
export interface DependencyProbe {
  name: string;
  source: string;
}

/** Each dependency alone, and the SDK clients added one at a time: what each costs at import. */
export const DEPENDENCY_PROBES: readonly DependencyProbe[] = [
  { name: 'an empty ES module', source: 'export const handler = () => undefined;' },
  { name: '@middy/core + sqs-partial-batch-failure', source: "import middy from '@middy/core'; import batch from '@middy/sqs-partial-batch-failure'; export const handler = middy(async () => []).use(batch());" },
  { name: 'Powertools Logger', source: "import { Logger } from '@aws-lambda-powertools/logger'; const logger = new Logger(); export const handler = () => logger;" },
  {
    name: 'Powertools Logger + Metrics',
    source: "import { Logger } from '@aws-lambda-powertools/logger'; import { Metrics } from '@aws-lambda-powertools/metrics'; const both = [new Logger(), new Metrics({ namespace: 'bench' })]; export const handler = () => both;",
  },
  { name: 'SFN client, imported only', source: "import { SFNClient } from '@aws-sdk/client-sfn'; export const handler = () => SFNClient;" },
  { name: 'SFN client, constructed', source: "import { SFNClient } from '@aws-sdk/client-sfn'; const sfn = new SFNClient({}); export const handler = () => sfn;" },
  {
    name: 'SFN + DynamoDB clients, constructed',
    source: "import { SFNClient } from '@aws-sdk/client-sfn'; import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; const clients = [new SFNClient({}), new DynamoDBClient({})]; export const handler = () => clients;",
  },
  {
    name: 'SFN + DynamoDB + SQS clients, constructed',
    source:
      "import { SFNClient } from '@aws-sdk/client-sfn'; import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { SQSClient } from '@aws-sdk/client-sqs'; const clients = [new SFNClient({}), new DynamoDBClient({}), new SQSClient({})]; export const handler = () => clients;",
  },
  {
    name: 'Powertools idempotency (DynamoDB persistence)',
    source:
      "import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency'; import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'; export const handler = makeIdempotent(async () => 1, { persistenceStore: new DynamoDBPersistenceLayer({ tableName: 'bench' }), config: new IdempotencyConfig({}) });",
  },
  { name: 'Secrets Manager client, constructed', source: "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'; const client = new SecretsManagerClient({}); export const handler = () => client;" },
  { name: 'Powertools Parameters SecretsProvider', source: "import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets'; const secrets = new SecretsProvider(); export const handler = () => secrets;" },
  {
    // What actions.yaml added to the processor (docs/actions.md): the plan parser and the template renderer. Probes sit in .local/bench/probes/<n>/.
    name: 'the actions plan parser and renderer (functions/shared/actions)',
    source:
      "import { planOfPayload } from '../../../../functions/shared/actions/plan.js'; import { renderPlan } from '../../../../functions/shared/actions/render.js'; export const handler = (plan: unknown, input: never) => renderPlan(planOfPayload(plan), input);",
  },
];

/** One probe's figures. */
export interface ProbeFigures {
  name: string;
  bytes: number;
  importMs: number;
  importRatio: number;
}

/** One function in one variant. */
export interface BundleFigures {
  variant: string;
  function: string;
  bytes: number;
  /** Bytes in the output per package (`own` for this repository's code). */
  byPackage: Record<string, number>;
  importMs: number;
  importRatio: number;
}

/** Environment the handlers' config readers need at import; no request is made at import. */
export const IMPORT_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
  IDEMPOTENCY_TABLE_NAME: 'bench',
  IDEMPOTENCY_EXPIRY_SECONDS: '7200',
  EVENTS_QUEUE_URL: 'http://127.0.0.1:9/queue/events',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/queue/dlq',
  RETRY_BASE_DELAY_SECONDS: '10',
  RETRY_MAX_DELAY_SECONDS: '900',
  MAX_RECEIVE_COUNT: '5',
  WORKFLOW_TIMEOUT_SECONDS: '150',
  GENESYS_ENVIRONMENT: 'mypurecloud.com',
  GENESYS_SECRET_ID: 'bench',
  GENESYS_SECRET_MAX_AGE_SECONDS: '300',
  GENESYS_REQUESTS_PER_MINUTE: '300',
  GENESYS_REQUEST_TIMEOUT_MS: '3000',
  GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS: '3',
};

function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return match ? (match[1] as string) : 'own';
}

function byPackage(metafile: Metafile): { bytes: number; byPackage: Record<string, number> } {
  const output = Object.values(metafile.outputs).find((out) => out.entryPoint !== undefined);
  if (output === undefined) throw new Error('esbuild wrote no entry point');
  const sizes: Record<string, number> = {};
  for (const [path, input] of Object.entries(output.inputs)) sizes[packageOf(path)] = (sizes[packageOf(path)] ?? 0) + input.bytesInOutput;
  return { bytes: output.bytes, byPackage: sizes };
}

/** Wall ms of `node -e <import>` from spawn to exit, started with `nodeOptions` as NODE_OPTIONS. */
function timeNode(node: string, script: string, cwd: string, nodeOptions = ''): Promise<number> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    // Only the variables a Lambda environment has: none of this process's NODE_OPTIONS or tsx loader.
    const child = spawn(node, ['--input-type=module', '-e', script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...IMPORT_ENV, ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => {
      if (code !== 0) fail(new Error(`node exited ${code}: ${stderr.slice(0, 500)}`));
      else done(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

const importScript = (file: string): string =>
  `const m = await import(${JSON.stringify(`file://${file}`)}); if (typeof m.handler !== 'function') throw new Error('no handler');`;

/** The file esbuild writes for an entry point: its base name with the OutExtension's `.mjs`. */
const bundleFile = (outDir: string, properties: BuildProperties): string =>
  resolve(outDir, `${(properties.EntryPoints[0] as string).split('/').pop()?.replace(/\.ts$/, '')}${'.mjs'}`);

/** Something timed in every round: a bundle with the NODE_OPTIONS it starts with. */
interface Timed {
  key: string;
  file: string;
  nodeOptions: string;
}

/** Cold-start figures of one bench run. */
export interface ColdStartResult {
  /** `process.version` of the node binary every timed process ran on. */
  node: string;
  bareMs: number;
  bundles: BundleFigures[];
  probes: ProbeFigures[];
}

/**
 * Builds every variant of every function into .local/bench/<variant>/, and every dependency probe into
 * .local/bench/probes/ (unless `probes` is false), and times the imports: `runs` interleaved rounds, the bare process timed in every round.
 */
export async function coldStart(
  runs: number,
  log: (line: string) => void,
  options: { probes: boolean; node?: string } = { probes: true },
): Promise<ColdStartResult> {
  // Lambda runs nodejs22.x; `--node` lets a Node 20 machine time the imports on a Node 22 binary too.
  const node = options.node ?? process.execPath;
  const nodeVersion = execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
  const template = loadTemplate();
  const builds: (Timed & { variant: Variant; fn: string; bytes: number; byPackage: Record<string, number> })[] = [];
  for (const variant of VARIANTS) {
    for (const fn of functionBuilds(template)) {
      const outDir = resolve(PROJECT_ROOT, '.local/bench', variant.name, fn.logicalId);
      mkdirSync(outDir, { recursive: true });
      const properties = variant.change(fn.buildProperties);
      const result = await build({ ...esbuildOptions(properties, outDir), metafile: true });
      const nodeOptions = variant.nodeOptions ?? String(functionEnvironment(template, fn.logicalId).NODE_OPTIONS ?? '');
      const key = `${variant.name}/${fn.logicalId}`;
      builds.push({ key, variant, fn: fn.logicalId, file: bundleFile(outDir, properties), nodeOptions, ...byPackage(result.metafile as Metafile) });
    }
  }
  // Built as the dispatcher is (its BuildProperties, without source maps), each from a one-line module.
  const probeBuild = functionBuilds(template)[0]?.buildProperties;
  if (probeBuild === undefined) throw new Error('template.yaml has no esbuild function');
  const probes: (Timed & { name: string; bytes: number })[] = [];
  for (const [index, probe] of (options.probes ? DEPENDENCY_PROBES : []).entries()) {
    const dir = resolve(PROJECT_ROOT, '.local/bench/probes', String(index));
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, 'probe.ts'), `${probe.source}\n`);
    const properties: BuildProperties = { ...probeBuild, EntryPoints: [relative(PROJECT_ROOT, resolve(dir, 'probe.ts'))], Sourcemap: false };
    const result = await build({ ...esbuildOptions(properties, resolve(dir, 'out')), metafile: true });
    probes.push({ key: `probe/${index}`, name: probe.name, file: bundleFile(resolve(dir, 'out'), properties), nodeOptions: '', bytes: byPackage(result.metafile as Metafile).bytes });
  }
  // The bundles import nothing from the project except, when External, node_modules: run them from the project root.
  const timed: Timed[] = [...builds, ...probes];
  const bare: number[] = [];
  const times = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  log(`  cold start: ${runs} interleaved rounds of ${timed.length + 1} fresh node ${nodeVersion} processes`);
  await timeNode(node, '', PROJECT_ROOT); // the first process pays for the disk cache
  for (let round = 0; round < runs; round += 1) {
    const bareMs = await timeNode(node, '', PROJECT_ROOT);
    bare.push(bareMs);
    for (const item of timed) {
      const ms = await timeNode(node, importScript(item.file), PROJECT_ROOT, item.nodeOptions);
      times.set(item.key, [...(times.get(item.key) ?? []), ms]);
      // Each import against the bare start of its own round: load from other work cancels out.
      ratios.set(item.key, [...(ratios.get(item.key) ?? []), ratio(ms, bareMs)]);
    }
  }
  const figures = (key: string): { importMs: number; importRatio: number } => ({ importMs: median(times.get(key) ?? []), importRatio: median(ratios.get(key) ?? []) });
  const result: ColdStartResult = {
    node: nodeVersion,
    bareMs: median(bare),
    bundles: builds.map((item): BundleFigures => ({ variant: item.variant.name, function: item.fn, bytes: item.bytes, byPackage: item.byPackage, ...figures(item.key) })),
    probes: probes.map((item): ProbeFigures => ({ name: item.name, bytes: item.bytes, ...figures(item.key) })),
  };
  writeFileSync(resolve(PROJECT_ROOT, '.local/bench/cold-start.json'), `${JSON.stringify({ bare, ...result }, null, 2)}\n`);
  return result;
}
