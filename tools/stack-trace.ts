/**
 * `npm run stack -- [--function LogicalId | --map FILE] [FILE]`: maps a stack trace from the functions' logs
 * back to the TypeScript it was built from. Lambda runs the minified bundles without `--enable-source-maps`
 * (template.yaml, Globals), so a logged frame points into `handler.mjs`; this reads the bundle's source map,
 * as `sam build` or `npm run build` wrote it, with Node's own `SourceMap` and rewrites every frame it can.
 * The input is a trace, or log lines holding one: Powertools Logger's `"error":{"stack":"..."}`, the Lambda
 * runtime's `"stack":[...]`, a workflow task's cause (`"trace":[...]`), the JSON of `aws logs filter-log-events`.
 *
 * Finding the map is ./source-map/locate.ts; finding the stacks in log lines ./source-map/logged-stacks.ts;
 * mapping their frames ./source-map/frames.ts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMainModule, runMain } from './cli.js';
import { StackToolError, loadSourceMap, locateSourceMap, shown } from './source-map/locate.js';
import { mapStackTrace } from './source-map/logged-stacks.js';

export {
  AmbiguousFunctionError,
  DEFAULT_BUILD_DIRS,
  SourceMapNotFoundError,
  StackToolError,
  UnreadableSourceMapError,
  loadSourceMap,
  locateSourceMap,
  type BundleMap,
  type LocateOptions,
  type LocatedSourceMap,
} from './source-map/locate.js';
export { mapStackTrace } from './source-map/logged-stacks.js';

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

if (isMainModule(import.meta.url)) await runMain(main, { command: 'npm run stack', userErrors: [StackToolError] });
