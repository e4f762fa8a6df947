/** Writes JSON as the ASL is written by hand: short arrays and objects of plain values on one line, the rest indented. */

const LINE_WIDTH = 110;
/** The definition, its States and each state stay one field per line: only what is inside a state's fields is inlined. */
const INLINE_FROM_DEPTH = 3;

function isPlain(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function inline(value: unknown): string | undefined {
  if (isPlain(value)) return JSON.stringify(value);
  const entries = Array.isArray(value) ? value.map((item) => [undefined, item] as const) : Object.entries(value as object);
  if (!entries.every(([, item]) => isPlain(item))) return undefined;
  const items = entries.map(([key, item]) => (key === undefined ? JSON.stringify(item) : `${JSON.stringify(key)}: ${JSON.stringify(item)}`));
  return Array.isArray(value) ? `[${items.join(', ')}]` : `{ ${items.join(', ')} }`;
}

function format(value: unknown, indent: string, prefixLength: number, depth: number): string {
  if (isPlain(value)) return JSON.stringify(value);
  const short = depth < INLINE_FROM_DEPTH ? undefined : inline(value);
  if (short !== undefined && indent.length + prefixLength + short.length <= LINE_WIDTH) return short;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${inner}${format(item, inner, 0, depth + 1)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as object);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${format(item, inner, key.length + 4, depth + 1)}`).join(',\n')}\n${indent}}`;
}

/** `value` as JSON text ending in a newline. */
export function formatJson(value: unknown): string {
  return `${format(value, '', 0, 0)}\n`;
}
