/**
 * Cold start of each function as `sam build` bundles it: bundle size, what each dependency adds
 * (esbuild metafile), and the wall time of a fresh Node process that imports the bundle, as a ratio to a
 * fresh Node process that imports nothing. Runs are interleaved (bare, dispatcher, processor, bare, ...)
 * so that load from other work on the machine hits every variant alike; the figure is the median ratio.
 *
 * Variants are the template's BuildProperties with one option changed, so each option's effect is a
 * before/after ratio from the same run. A variant that marks `@aws-sdk/*` External loads the SDK from
 * node_modules at import, as Lambda would load the runtime's copy: the import figure stays honest.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { esbuildOptions } from '../scripts/build.js';
import { PROJECT_ROOT, functionBuilds, loadTemplate, type BuildProperties } from '../scripts/template.js';
import { median, ratio } from './stats.js';

/** A build variant: the template's BuildProperties, changed by `change`. */
export interface Variant {
  name: string;
  describe: string;
  change: (properties: BuildProperties) => BuildProperties;
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
];

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

/** Wall ms of `node -e <import>` from spawn to exit. */
function timeNode(script: string, cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    // Only the variables a Lambda environment has: none of this process's NODE_OPTIONS or tsx loader.
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...IMPORT_ENV },
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

/**
 * Builds every variant of every function into .local/bench/<variant>/ and times the imports.
 * `runs` interleaved rounds; the bare process is timed in every round.
 */
export async function coldStart(runs: number, log: (line: string) => void): Promise<{ bareMs: number; bundles: BundleFigures[] }> {
  const template = loadTemplate();
  const builds: { variant: Variant; fn: string; file: string; bytes: number; byPackage: Record<string, number> }[] = [];
  for (const variant of VARIANTS) {
    for (const fn of functionBuilds(template)) {
      const outDir = resolve(PROJECT_ROOT, '.local/bench', variant.name, fn.logicalId);
      mkdirSync(outDir, { recursive: true });
      const options: BuildOptions = { ...esbuildOptions(variant.change(fn.buildProperties), outDir), metafile: true };
      const result = await build(options);
      const figures = byPackage(result.metafile as Metafile);
      const entry = fn.buildProperties.EntryPoints[0] as string;
      const file = resolve(outDir, `${entry.split('/').pop()?.replace(/\.ts$/, '')}${'.mjs'}`);
      builds.push({ variant, fn: fn.logicalId, file, ...figures });
    }
  }
  // The bundles import nothing from the project except, when External, node_modules: run them from the project root.
  const bare: number[] = [];
  const times = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  log(`  cold start: ${runs} interleaved rounds of ${builds.length + 1} fresh node processes`);
  await timeNode('', PROJECT_ROOT); // the first process pays for the disk cache
  for (let round = 0; round < runs; round += 1) {
    const bareMs = await timeNode('', PROJECT_ROOT);
    bare.push(bareMs);
    for (const item of builds) {
      const key = `${item.variant.name}/${item.fn}`;
      const ms = await timeNode(importScript(item.file), PROJECT_ROOT);
      times.set(key, [...(times.get(key) ?? []), ms]);
      // Each import against the bare start of its own round: load from other work cancels out.
      ratios.set(key, [...(ratios.get(key) ?? []), ratio(ms, bareMs)]);
    }
  }
  const bundles = builds.map((item): BundleFigures => {
    const key = `${item.variant.name}/${item.fn}`;
    return {
      variant: item.variant.name,
      function: item.fn,
      bytes: item.bytes,
      byPackage: item.byPackage,
      importMs: median(times.get(key) ?? []),
      importRatio: median(ratios.get(key) ?? []),
    };
  });
  writeFileSync(resolve(PROJECT_ROOT, '.local/bench/cold-start.json'), `${JSON.stringify({ bare, bundles }, null, 2)}\n`);
  return { bareMs: median(bare), bundles };
}
