/**
 * Finds the stack traces in what an operator pastes (a plain trace, Powertools records, the runtime's error
 * lines, a workflow task's cause, `aws logs` JSON) and maps each with ./frames.ts, keeping each record's context.
 */
import { mapFrames, parseFrame } from './frames.js';
import type { BundleMap } from './locate.js';

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
