/**
 * `npm run stack` on real bundles: both functions built as `sam build` builds them (tools/build.ts) into a
 * temporary directory, and a trace the processor bundle itself throws at init when its configuration is missing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFunctions, type BuiltFunction } from '../../tools/build.js';
import {
  AmbiguousFunctionError,
  SourceMapNotFoundError,
  StackToolError,
  UnreadableSourceMapError,
  loadSourceMap,
  locateSourceMap,
  mapStackTrace,
  type LocateOptions,
} from '../../tools/stack-trace.js';
import { PROJECT_ROOT } from '../../template/index.js';

const root = mkdtempSync(join(tmpdir(), 'stack-test-'));
const buildDir = join(root, 'build');
let processor: BuiltFunction;
/** The processor bundle's own trace, with the bundle where Lambda keeps it (`file:///var/task/handler.mjs`). */
let trace = '';

/** The 1-based line of `fragment` in a source file of the project. */
function lineOf(file: string, fragment: string): number {
  const index = readFileSync(resolve(PROJECT_ROOT, file), 'utf8').split('\n').findIndex((line) => line.includes(fragment));
  if (index < 0) throw new Error(`${fragment} is not in ${file}`);
  return index + 1;
}

/** Where the processor throws without GENESYS_ENVIRONMENT: `required` in config.ts, called at the handler's init. */
const thrownAt = { file: 'functions/shared/config.ts', line: lineOf('functions/shared/config.ts', 'throw new ConfigurationError(`environment variable ${name} is required') };
const initAt = { file: 'functions/processor/handler.ts', line: lineOf('functions/processor/handler.ts', '= readProcessorConfig()') };

beforeAll(async () => {
  const built = await buildFunctions({ outDir: buildDir });
  processor = built.find((fn) => fn.logicalId === 'ProcessorFunction') as BuiltFunction;
  const url = pathToFileURL(processor.outFile).href;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `try { await import(${JSON.stringify(url)}) } catch (error) { console.log(error.stack) }`], {
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  trace = run.stdout.replaceAll(url, 'file:///var/task/handler.mjs').trim();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const inBuild: LocateOptions = { buildDirs: [join(root, 'build')] };

function mapped(input: string, options: LocateOptions = { ...inBuild, function: 'ProcessorFunction' }): { text: string; mapped: number } {
  return mapStackTrace(input, loadSourceMap(locateSourceMap(input, options)));
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('npm run stack', () => {
  it('maps the processor bundle’s frames to the TypeScript file, line and function', () => {
    expect(trace).toMatch(/^ConfigurationError: environment variable GENESYS_ENVIRONMENT is required/);
    expect(trace).toContain('(file:///var/task/handler.mjs:');

    const lines = mapped(trace).text.split('\n');

    expect(lines[0]).toBe(trace.split('\n')[0]);
    expect(lines[1]).toMatch(new RegExp(`^    at required \\(${thrownAt.file}:${thrownAt.line}:\\d+\\)$`));
    expect(lines[2]).toMatch(new RegExp(`^    at readProcessorConfig \\(${thrownAt.file}:\\d+:\\d+\\)$`));
    expect(lines[3]).toMatch(new RegExp(`^    at ${initAt.file}:${initAt.line}:\\d+$`));
  });

  it('leaves frames outside the bundle as they are', () => {
    const outside = trace.split('\n').filter((line) => line.includes('node:internal') || line.includes('[eval'));
    expect(outside.length).toBeGreaterThan(0);

    const { text, mapped: count } = mapped(trace);

    for (const line of outside) expect(text.split('\n')).toContain(line);
    expect(count).toBe(3);
    expect(text).not.toContain('handler.mjs');
  });

  it('names a package’s file without node_modules', () => {
    // A frame at middy core's `plugin.beforeMiddleware?.(...)`, wherever the bundle has it.
    const lines = readFileSync(processor.outFile, 'utf8').split('\n');
    const line = lines.findIndex((text) => text.includes('.beforeMiddleware?.('));
    const column = (lines[line] ?? '').indexOf('.beforeMiddleware?.(') + 1;
    expect(line).toBeGreaterThanOrEqual(0);

    const { text } = mapped(`Error: x\n    at Zq (file:///var/task/handler.mjs:${line + 1}:${column + 1})`);

    expect(text).toMatch(/^ {4}at Zq \(@middy\/core\/index\.js:\d+:\d+\)$/m);
  });

  const powertoolsRecord = (): string =>
    JSON.stringify({ level: 'ERROR', message: 'Update failed', timestamp: '2026-11-26T20:00:00.000Z', service: 'genesys-processor', error: { name: 'Error', message: 'x', stack: trace } });
  const runtimeLine = (): string =>
    `2026-11-26T20:00:00.000Z\tc6af9ac6-7b61-11e6-9a41-93e812345678\tERROR\tInvoke Error \t${JSON.stringify({ errorType: 'ConfigurationError', errorMessage: 'x', stack: trace.split('\n') })}`;
  /** `aws logs filter-log-events --output json`: a Powertools record, the runtime's line, and a trace logged as text. */
  const filteredEvents = (): string =>
    JSON.stringify(
      {
        events: [
          { timestamp: 1, message: JSON.stringify({ level: 'ERROR', message: 'Update failed', function_name: 'genesys-events-ProcessorFunction-Ab12', error: { stack: trace } }) },
          { timestamp: 2, message: runtimeLine() },
          { timestamp: 3, message: `2026-11-26T20:00:00.000Z\tc6af9ac6-7b61-11e6-9a41-93e812345678\tERROR\t${trace}` },
        ],
      },
      null,
      2,
    );
  const taskCause = (): string => JSON.stringify({ errorType: 'ConfigurationError', errorMessage: 'x', trace: trace.split('\n') });

  it.each([
    ['a Powertools Logger record', powertoolsRecord, /ERROR Update failed$/, 1],
    ['the Lambda runtime’s error line', runtimeLine, /ERROR Invoke Error$/, 1],
    ['aws logs filter-log-events --output json', filteredEvents, /^ERROR Update failed$/, 3],
    ['a workflow task’s cause', taskCause, /^ConfigurationError: /, 1],
  ])('finds the trace in %s', (_, input, firstLine, traces) => {
    const result = mapped(input());

    expect(result.mapped).toBe(3 * traces);
    expect(result.text).toContain(`    at required (${thrownAt.file}:${thrownAt.line}:`);
    expect(result.text.split('\n')[0]).toMatch(firstLine);
  });

  it.each([
    ['service name of a Powertools record', powertoolsRecord],
    ['function name of a Powertools record', filteredEvents],
  ])('tells the function from the %s', (_, input) => {
    expect(locateSourceMap(input(), inBuild).logicalId).toBe('ProcessorFunction');
  });

  it('takes the one function that has a map when the input names none', () => {
    const only = join(root, 'only', 'ProcessorFunction');
    mkdirSync(only, { recursive: true });
    copyFileSync(`${processor.outFile}.map`, join(only, 'handler.mjs.map'));

    expect(locateSourceMap(trace, { buildDirs: [dirname(only)] })).toEqual({ path: join(only, 'handler.mjs.map'), bundle: 'handler.mjs', logicalId: 'ProcessorFunction' });
  });

  it('asks for --function when both functions have maps and the input names neither', () => {
    const error = thrown(() => locateSourceMap(trace, inBuild));

    expect(error).toBeInstanceOf(AmbiguousFunctionError);
    expect(error.name).toBe('AmbiguousFunctionError');
    expect(error.message).toContain('--function DispatcherFunction or --function ProcessorFunction');
  });

  it('asks for --function when the input names both functions', () => {
    const input = `${JSON.stringify({ service: 'genesys-dispatcher', message: 'x' })}\n${trace}\n${JSON.stringify({ service: 'genesys-processor', message: 'y' })}`;

    expect(thrown(() => locateSourceMap(input, inBuild))).toBeInstanceOf(AmbiguousFunctionError);
  });

  it('says to build first when there is no source map', () => {
    const empty = mkdtempSync(join(root, 'empty-'));

    const error = thrown(() => locateSourceMap(trace, { buildDirs: [empty], function: 'ProcessorFunction' }));

    expect(error).toBeInstanceOf(SourceMapNotFoundError);
    expect(error.name).toBe('SourceMapNotFoundError');
    expect(error.message).toMatch(/no source map of ProcessorFunction under .*: run `sam build` or `npm run build` first/);
  });

  it('names a source map it cannot read', () => {
    const broken = join(root, 'broken.mjs.map');
    writeFileSync(broken, '{"version":3,');

    const error = thrown(() => loadSourceMap(locateSourceMap(trace, { map: broken })));

    expect(error).toBeInstanceOf(UnreadableSourceMapError);
    expect(error.name).toBe('UnreadableSourceMapError');
    expect(error.message).toContain(`cannot read the source map ${broken}`);
  });

  it('refuses a function the template does not have', () => {
    expect(thrown(() => locateSourceMap(trace, { ...inBuild, function: 'Processor' }))).toBeInstanceOf(StackToolError);
  });

  it('runs as npm run stack: the mapped trace on stdout, errors by message and exit code', () => {
    const file = join(root, 'trace.txt');
    writeFileSync(file, trace);
    const tsx = resolve(PROJECT_ROOT, 'node_modules/.bin/tsx');
    const script = resolve(PROJECT_ROOT, 'tools/stack-trace.ts');

    const ok = spawnSync(tsx, [script, '--map', `${processor.outFile}.map`, file], { encoding: 'utf8' });
    const missing = spawnSync(tsx, [script, '--map', join(root, 'none.map'), file], { encoding: 'utf8' });

    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`    at required (${thrownAt.file}:${thrownAt.line}:`);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('npm run stack: no source map at');
  });
});

