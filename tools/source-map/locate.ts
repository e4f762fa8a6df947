/**
 * Finds the source map of the bundle a logged trace came from (`--map`, the function the input names, or
 * the one function built) under `sam build`'s or `npm run build`'s output, and reads it with Node's `SourceMap`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_OUT_DIR, esbuildOptions } from '../build.js';
import { PROJECT_ROOT, functionBuilds, functionEnvironment, loadTemplate, type FunctionBuild, type Template } from '../../template/index.js';

/** Where the bundles' source maps are looked for, in this order: `sam build`'s output, then `npm run build`'s. */
export const DEFAULT_BUILD_DIRS: readonly string[] = [resolve(PROJECT_ROOT, '.aws-sam/build'), DEFAULT_OUT_DIR];

/** A problem an operator can fix; the CLI prints its message alone and exits non-zero. */
export class StackToolError extends Error {
  override readonly name: string = 'StackToolError';
}

/** No source map where one was looked for. */
export class SourceMapNotFoundError extends StackToolError {
  override readonly name = 'SourceMapNotFoundError';
}

/** A source map that cannot be read or is not a source map. */
export class UnreadableSourceMapError extends StackToolError {
  override readonly name = 'UnreadableSourceMapError';
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The input names both functions, or neither while both have source maps. */
export class AmbiguousFunctionError extends StackToolError {
  override readonly name = 'AmbiguousFunctionError';
}

/** Options of `locateSourceMap`. */
export interface LocateOptions {
  /** The function that logged the trace (a logical id); detected from the input when absent. */
  function?: string;
  /** A source map to use instead of looking for one. */
  map?: string;
  /** The parsed template; template.yaml by default. */
  template?: Template;
  /** Where builds are looked for; `DEFAULT_BUILD_DIRS` by default. */
  buildDirs?: readonly string[];
}

/** A source map found for a trace. */
export interface LocatedSourceMap {
  path: string;
  /** The file name frames of this bundle carry (`handler.mjs`). */
  bundle: string;
  /** The function it was built for; absent for `--map`. */
  logicalId?: string;
}

/** A source map ready to answer positions. */
export interface BundleMap extends LocatedSourceMap {
  sourceMap: SourceMap;
  builtAt: Date;
}

/** The bundle a function's frames name: the entry point's name with esbuild's output extension (`handler.mjs`). */
function bundleName(fn: FunctionBuild): string {
  const entry = fn.buildProperties.EntryPoints[0] as string;
  return `${basename(entry, extname(entry))}${esbuildOptions(fn.buildProperties, '').outExtension?.['.js'] ?? '.js'}`;
}

/** The functions the input names: by logical id (in function names and paths) or by Powertools service name. */
function namedFunctions(input: string, template: Template, logicalIds: readonly string[]): string[] {
  return logicalIds.filter((id) => {
    const service = functionEnvironment(template, id).POWERTOOLS_SERVICE_NAME;
    return input.includes(id) || (typeof service === 'string' && input.includes(service));
  });
}

/** A path inside the project relative to it, any other as it is. */
export function shown(path: string): string {
  const inProject = relative(PROJECT_ROOT, path);
  return inProject.startsWith('..') || isAbsolute(inProject) ? path : inProject || '.';
}

/**
 * Finds the source map for a trace: `--map`, else the named or detected function's map under the build
 * directories, else the one function that has a map.
 * @throws SourceMapNotFoundError, AmbiguousFunctionError, StackToolError for a function the template does not have.
 */
export function locateSourceMap(input: string, options: LocateOptions = {}): LocatedSourceMap {
  if (options.map !== undefined) {
    const path = resolve(options.map);
    if (!existsSync(path)) throw new SourceMapNotFoundError(`no source map at ${path}`);
    return { path, bundle: basename(path, '.map') };
  }
  const template = options.template ?? loadTemplate();
  const buildDirs = options.buildDirs ?? DEFAULT_BUILD_DIRS;
  const functions = functionBuilds(template);
  const logicalIds = functions.map((fn) => fn.logicalId);
  if (options.function !== undefined && !logicalIds.includes(options.function)) {
    throw new StackToolError(`unknown function ${options.function}: ${logicalIds.join(' or ')}`);
  }
  const mapOf = (fn: FunctionBuild): string | undefined =>
    buildDirs.map((dir) => resolve(dir, fn.logicalId, `${bundleName(fn)}.map`)).find((path) => existsSync(path));
  const built = functions.filter((fn) => mapOf(fn) !== undefined);
  const named = options.function !== undefined ? [options.function] : namedFunctions(input, template, logicalIds);
  const choose = `pass --function ${logicalIds.join(' or --function ')}`;
  if (named.length > 1) throw new AmbiguousFunctionError(`the input names both ${named.join(' and ')}: map one function's lines at a time and ${choose}`);
  const fn = named.length === 1 ? functions.find((candidate) => candidate.logicalId === named[0]) : built.length === 1 ? built[0] : undefined;

  if (built.length === 0 || (fn !== undefined && mapOf(fn) === undefined)) {
    const which = fn?.logicalId ?? logicalIds.join(' or ');
    const where = buildDirs.map(shown).join(' or ');
    throw new SourceMapNotFoundError(`no source map of ${which} under ${where}: run \`sam build\` or \`npm run build\` first (from the commit that is deployed), or pass --map FILE`);
  }
  if (fn === undefined) throw new AmbiguousFunctionError(`the input does not say which function logged it and both have source maps: ${choose}`);
  return { path: mapOf(fn) as string, bundle: bundleName(fn), logicalId: fn.logicalId };
}

/**
 * Reads and parses a located source map.
 * @throws UnreadableSourceMapError when the file cannot be read or is not a source map.
 */
export function loadSourceMap(located: LocatedSourceMap): BundleMap {
  let payload: SourceMapPayload;
  try {
    payload = JSON.parse(readFileSync(located.path, 'utf8')) as SourceMapPayload;
    if (!Array.isArray(payload.sources) || typeof payload.mappings !== 'string') throw new Error('no sources or mappings');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnreadableSourceMapError(`cannot read the source map ${located.path}: ${reason}`, located.path, { cause: error });
  }
  return { ...located, sourceMap: new SourceMap(payload), builtAt: statSync(located.path).mtime };
}
