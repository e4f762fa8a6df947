/**
 * `npm run build`: bundles every esbuild function of template.yaml with the options `sam build` passes
 * (aws-lambda-builders' nodejs_npm_esbuild workflow: bundle, platform node, plus the function's
 * `Metadata.BuildProperties`) into `.local/build/<LogicalId>/`, and prints the bundle sizes.
 * The local stack and the benchmarks call `buildFunctions` to run the same bundles.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, relative, resolve } from 'node:path';
import { build, type BuildOptions, type Format } from 'esbuild';
import { isMainModule, runMain } from './cli.js';
import { PROJECT_ROOT, functionBuilds, loadTemplate, type BuildProperties, type FunctionBuild, type Template } from '../template/index.js';

/** Where bundles go unless told otherwise (git-ignored). */
export const DEFAULT_OUT_DIR = resolve(PROJECT_ROOT, '.local/build');

/** Options of `buildFunctions`. */
export interface BuildFunctionsOptions {
  /** The parsed template; template.yaml by default. */
  template?: Template;
  /** Root of the output; each function gets `<outDir>/<LogicalId>/`. */
  outDir?: string;
  /** Build only these functions (logical ids); all esbuild functions by default. */
  only?: readonly string[];
}

/** One bundled function. */
export interface BuiltFunction {
  logicalId: string;
  /** The entry point, relative to the project root (`functions/dispatcher/handler.ts`). */
  entryPoint: string;
  /** Absolute path of the bundle (`.../DispatcherFunction/handler.mjs`). */
  outFile: string;
  /** The module Lambda loads and the export it calls: `Handler` split at its last dot. */
  handlerExport: string;
  bytes: number;
  sourcemapBytes: number;
}

/** Raised when a function's entry point does not exist (yet). */
export class MissingEntryPointError extends Error {
  override readonly name = 'MissingEntryPointError';
}

/** `[".js=.mjs"]` → `{".js": ".mjs"}`; SAM passes these as esbuild's `--out-extension:.js=.mjs`. */
function keyValues(values: string[] | string | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const list = Array.isArray(values) ? values : [values];
  return Object.fromEntries(
    list.map((item) => {
      const equals = item.indexOf('=');
      if (equals < 0) throw new Error(`expected key=value, got ${JSON.stringify(item)}`);
      return [item.slice(0, equals), item.slice(equals + 1)];
    }),
  );
}

/** The esbuild options `sam build` derives from one function's BuildProperties. */
export function esbuildOptions(properties: BuildProperties, outDir: string): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: properties.EntryPoints,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    // aws-lambda-builders' defaults when a property is absent.
    format: (properties.Format ?? 'cjs') as Format,
    target: properties.Target ?? 'es2020',
    minify: properties.Minify ?? true,
    sourcemap: properties.Sourcemap ?? false,
    outExtension: keyValues(properties.OutExtension),
    banner: keyValues(properties.Banner),
    external: properties.External ?? [],
    // SAM passes MainFields as `--main-fields=module,main`: the ES module builds of the SDK tree-shake, its CommonJS ones do not.
    ...(typeof properties.MainFields === 'string' ? { mainFields: properties.MainFields.split(',').map((field) => field.trim()) } : {}),
    logLevel: 'silent',
  };
}

function outputFile(fn: FunctionBuild, outDir: string): string {
  const entry = fn.buildProperties.EntryPoints[0] as string;
  const extension = keyValues(fn.buildProperties.OutExtension)?.['.js'] ?? '.js';
  return resolve(outDir, `${basename(entry, extname(entry))}${extension}`);
}

/**
 * Bundles the template's esbuild functions.
 * @throws MissingEntryPointError naming every entry point that does not exist, before building anything.
 */
export async function buildFunctions(options: BuildFunctionsOptions = {}): Promise<BuiltFunction[]> {
  const template = options.template ?? loadTemplate();
  const root = options.outDir ?? DEFAULT_OUT_DIR;
  const functions = functionBuilds(template).filter((fn) => options.only === undefined || options.only.includes(fn.logicalId));

  const missing = functions.flatMap((fn) =>
    fn.buildProperties.EntryPoints.filter((entry) => !existsSync(resolve(PROJECT_ROOT, entry))).map((entry) => `${fn.logicalId}: ${entry}`),
  );
  if (missing.length > 0) throw new MissingEntryPointError(`entry points do not exist yet: ${missing.join(', ')}`);

  return Promise.all(
    functions.map(async (fn): Promise<BuiltFunction> => {
      const outDir = resolve(root, fn.logicalId);
      await build(esbuildOptions(fn.buildProperties, outDir));
      const outFile = outputFile(fn, outDir);
      const sourcemap = `${outFile}.map`;
      return {
        logicalId: fn.logicalId,
        entryPoint: fn.buildProperties.EntryPoints[0] as string,
        outFile,
        handlerExport: fn.handler.slice(fn.handler.lastIndexOf('.') + 1),
        bytes: statSync(outFile).size,
        sourcemapBytes: existsSync(sourcemap) ? statSync(sourcemap).size : 0,
      };
    }),
  );
}

/** The size table `npm run build` prints. */
export function formatSizeTable(built: readonly BuiltFunction[]): string {
  const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
  const rows = [
    ['Function', 'Entry point', 'Bundle (KB)', 'Source map (KB)', 'Output'],
    ...built.map((fn) => [fn.logicalId, fn.entryPoint, kb(fn.bytes), kb(fn.sourcemapBytes), relative(PROJECT_ROOT, fn.outFile)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const numeric = new Set([2, 3]);
  return rows
    .map((row) => row.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  '))
    .join('\n');
}

async function main(): Promise<void> {
  try {
    console.log(formatSizeTable(await buildFunctions()));
  } catch (error) {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (isMainModule(import.meta.url)) await runMain(main, { command: 'npm run build' });
