/** Rewrites the stack frames that point into a bundle to the TypeScript positions and names its source map gives. */
import { existsSync } from 'node:fs';
import type { SourceMapping } from 'node:module';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../template/index.js';
import type { BundleMap } from './locate.js';

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

export function parseFrame(text: string): Frame | undefined {
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
export function mapFrames(lines: readonly string[], map: BundleMap): { lines: string[]; mapped: number } {
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
