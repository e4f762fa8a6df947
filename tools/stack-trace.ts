/**
 * `npm run stack -- [--function LogicalId | --map FILE] [FILE]`: maps a stack trace from the functions' logs
 * back to the TypeScript it was built from. Lambda runs the minified bundles without `--enable-source-maps`
 * (template.yaml, Globals), so a logged frame points into `handler.mjs`; this reads the bundle's source map,
 * as `sam build` or `npm run build` wrote it, with Node's own `SourceMap` and rewrites every frame it can.
 * The input is a trace, or log lines holding one: Powertools Logger's `"error":{"stack":"..."}`, the Lambda
 * runtime's `"stack":[...]`, a workflow task's cause (`"trace":[...]`), the JSON of `aws logs filter-log-events`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload, type SourceMapping } from 'node:module';
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_OUT_DIR, esbuildOptions } from './build.js';
import { PROJECT_ROOT, functionBuilds, functionEnvironment, loadTemplate, type FunctionBuild, type Template } from '../template/index.js';

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
function shown(path: string): string {
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

/** `at callee (location:line:column)`, `at location:line:column`, `at async location:...`. */
const FRAME = /^(?<indent>\s*at )(?:(?<callee>.+) \(|(?<modifier>async |new )?)(?<location>[^\s()]+):(?<line>\d+):(?<column>\d+)\)?\s*$/;

interface Frame {
  indent: string;
  /** `async `, `new ` or nothing. */
  modifier: string;
  callee: string | undefined;
  location: string;
  line: number;
  column: number;
}

interface OriginalPosition {
  source: string;
  line: number;
  column: number;
  name: string | undefined;
}

function parseFrame(text: string): Frame | undefined {
  const groups = FRAME.exec(text)?.groups;
  if (groups === undefined) return undefined;
  const callee = /^(async |new )?(.*)$/.exec(groups.callee ?? '') as RegExpExecArray;
  return {
    indent: groups.indent as string,
    modifier: groups.modifier ?? callee[1] ?? '',
    callee: groups.callee === undefined ? undefined : callee[2],
    location: groups.location as string,
    line: Number(groups.line),
    column: Number(groups.column),
  };
}

/** A source as a reader wants it: `functions/...` relative to the project, a package's file without `node_modules/`. */
function displaySource(source: string, map: BundleMap): string {
  const path = source.startsWith('file:') ? fileURLToPath(source) : resolve(dirname(map.path), source);
  const modules = `${sep}node_modules${sep}`;
  const packageStart = path.lastIndexOf(modules);
  if (packageStart >= 0) return path.slice(packageStart + modules.length).split(sep).join('/');
  const inProject = relative(PROJECT_ROOT, path);
  if (!inProject.startsWith('..') && !isAbsolute(inProject)) return inProject.split(sep).join('/');
  // `sam build` bundles a copy of the sources in a scratch directory: the longest tail that names a file here.
  const parts = path.split(sep).filter(Boolean);
  const tail = parts.map((_, start) => parts.slice(start).join('/')).find((candidate) => existsSync(resolve(PROJECT_ROOT, candidate)));
  return tail ?? path;
}

function originalPosition(frame: Frame, map: BundleMap): OriginalPosition | undefined {
  if (basename(frame.location) !== map.bundle) return undefined;
  // Node 20 and 22 also answer the mapping's `name`, which @types/node 20 leaves out of SourceMapping.
  const entry = map.sourceMap.findEntry(frame.line - 1, frame.column - 1) as Partial<SourceMapping & { name: string }>;
  // findEntry answers the closest mapping before the position, which may lie on an earlier line.
  if (!entry.originalSource || entry.generatedLine !== frame.line - 1 || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
  return { source: displaySource(entry.originalSource, map), line: entry.originalLine + 1, column: entry.originalColumn + 1, name: entry.name };
}

/** esbuild's minified names: a dotless identifier of at most three characters (`bc`, `Rc`). */
const MINIFIED = /^[A-Za-z_$][\w$]{0,2}$/;

/**
 * Rewrites the frames of `lines` that point into the bundle. A minified function name is replaced as Node's
 * `--enable-source-maps` does when it has only call sites: by the original name at its caller's call site.
 * Names minify leaves alone (properties, methods: `onError`, `Client.send`) stay as V8 wrote them.
 */
function mapFrames(lines: readonly string[], map: BundleMap): { lines: string[]; mapped: number } {
  const frames = lines.map(parseFrame);
  const positions = frames.map((frame) => (frame === undefined ? undefined : originalPosition(frame, map)));
  let mapped = 0;
  const out = lines.map((line, index) => {
    const frame = frames[index];
    const position = positions[index];
    if (frame === undefined || position === undefined) return line;
    mapped += 1;
    const name = frame.callee === undefined || MINIFIED.test(frame.callee) ? (positions[index + 1]?.name ?? frame.callee) : frame.callee;
    const at = `${position.source}:${position.line}:${position.column}`;
    return name === undefined ? `${frame.indent}${frame.modifier}${at}` : `${frame.indent}${frame.modifier}${name} (${at})`;
  });
  return { lines: out, mapped };
}

/** A stack found in a log record, with the record's time, level and message when it has them. */
interface LoggedStack {
  context: string;
  stack: string;
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Where errors keep their trace: Powertools Logger and the runtime's `Invoke Error` line `stack`, Lambda's JSON log
 * format `stackTrace`, a Lambda task's cause in Step Functions `trace` (`{"errorType","errorMessage","trace"}`).
 */
const STACK_FIELDS = new Set(['stack', 'stackTrace', 'trace']);

/** The stacks in a parsed log record: a stack field holding a string or an array of lines, also inside its strings. */
function stacksIn(value: unknown, context = ''): LoggedStack[] {
  if (typeof value === 'string') {
    const inRecords = stacksInRecords(value, context);
    if (inRecords.length > 0) return inRecords;
    // A message that is itself a trace: console.error(error) in Lambda's text format.
    return value.split('\n').some((line) => parseFrame(line) !== undefined) ? [{ context, stack: value }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item) => stacksIn(item, context));
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const isError = Object.keys(record).some((key) => STACK_FIELDS.has(key));
  // Time, level and message of a log record (not those of an error, nor a message that holds a record or a trace).
  const summary = isError ? [] : [record.timestamp, record.level, record.message].filter((field) => typeof field === 'string' && !/[{\n]/.test(field));
  const here = summary.length > 0 ? summary.join(' ') : context;
  return Object.entries(record).flatMap(([key, field]) => {
    if (!STACK_FIELDS.has(key)) return stacksIn(field, here);
    if (typeof field === 'string') return [{ context: here, stack: field }];
    if (Array.isArray(field) && field.every((item) => typeof item === 'string')) return [{ context: here, stack: field.join('\n') }];
    return stacksIn(field, here);
  });
}

/** The stacks in the JSON records of a text; what precedes the first (a timestamp, a request id) joins the context. */
function stacksInRecords(text: string, context: string): LoggedStack[] {
  return jsonObjectsIn(text).flatMap(({ value, start }, nth) => {
    const prefix = nth === 0 ? text.slice(0, start).replace(/\s+/g, ' ').trim() : '';
    return stacksIn(value, [context, prefix].filter(Boolean).join(' '));
  });
}

/** The JSON objects in a log line (a record alone, after a timestamp and request id, or several separated by tabs). */
function jsonObjectsIn(line: string): { value: unknown; start: number }[] {
  const found: { value: unknown; start: number }[] = [];
  let start = line.indexOf('{');
  while (start >= 0) {
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let i = start; i < line.length && end < 0; i += 1) {
      const char = line[i];
      if (inString) {
        if (char === '\\') i += 1;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === '{') depth += 1;
      else if (char === '}' && --depth === 0) end = i;
    }
    const value = end < 0 ? undefined : parseJson(line.slice(start, end + 1));
    if (value !== undefined) found.push({ value, start });
    start = line.indexOf('{', value !== undefined ? end + 1 : start + 1);
  }
  return found;
}

function renderStacks(stacks: readonly LoggedStack[], map: BundleMap): { lines: string[]; mapped: number } {
  let mapped = 0;
  const lines = stacks.flatMap(({ context, stack }) => {
    const result = mapFrames(stack.split(/\r?\n/), map);
    mapped += result.mapped;
    return [...(context === '' ? [] : [context]), ...result.lines, ''];
  });
  return { lines, mapped };
}

/** The input with every frame that points into the bundle mapped; `mapped` counts them. */
export function mapStackTrace(input: string, map: BundleMap): { text: string; mapped: number } {
  const whole = parseJson(input);
  if (whole !== undefined) {
    const { lines, mapped } = renderStacks(stacksIn(whole), map);
    return { text: lines.join('\n').trimEnd(), mapped };
  }
  const lines = input.split(/\r?\n/);
  const plain = mapFrames(lines, map);
  let mapped = plain.mapped;
  const out = lines.flatMap((line, index) => {
    const stacks = stacksInRecords(line, '');
    if (stacks.length === 0) return [plain.lines[index] as string];
    const rendered = renderStacks(stacks, map);
    mapped += rendered.mapped;
    return rendered.lines;
  });
  return { text: out.join('\n').trimEnd(), mapped };
}

const HELP = `Usage: npm run stack -- [options] [FILE]

Maps a stack trace from the functions' logs (FILE, or stdin) to source positions.
The input may be a plain trace or log lines holding one (Powertools JSON records, the Lambda runtime's
error lines, a workflow task's cause, the JSON of aws logs filter-log-events or Logs Insights).

  --function ID   the function that logged it: DispatcherFunction or ProcessorFunction
                  (detected from function or service names in the input when left out)
  --map FILE      a source map to use instead of .aws-sam/build/<ID>/handler.mjs.map or
                  .local/build/<ID>/handler.mjs.map
`;

async function readInput(file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new StackToolError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (process.stdin.isTTY) throw new StackToolError('no input: pass a file, or pipe a trace in (npm run stack -- --help)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { function: { type: 'string' }, map: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const input = await readInput(positionals[0]);
  const map = loadSourceMap(locateSourceMap(input, { function: values.function, map: values.map }));
  const { text, mapped } = mapStackTrace(input, map);
  const of = map.logicalId === undefined ? '' : ` (${map.logicalId})`;
  console.error(`source map ${shown(map.path)}${of}, built ${map.builtAt.toISOString()}`);
  if (mapped === 0) console.error(`no frame of the input points into ${map.bundle}; nothing mapped`);
  console.log(text);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof StackToolError) console.error(`npm run stack: ${error.message}`);
      else console.error('npm run stack failed:', error);
      process.exit(error instanceof StackToolError ? 1 : 2);
    },
  );
}
