/** The fault suite's table and last line (docs/reliability.md records them). */
import type { ScenarioResult } from './runner.js';

/** The table, one row per scenario, as docs/reliability.md records it. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'in', 'applied', 'parked (by error name)', 'lost', 'dup. applied', 'Genesys req/applied', '429s', 'tokens', 'drain s', 'result'];
  const rows = results.map((result) => [
    result.name,
    String(result.in),
    String(result.applied),
    `${result.parked}${Object.keys(result.parkedByReason).length === 0 ? '' : ` (${Object.entries(result.parkedByReason).map(([name, n]) => `${name} ${n}`).join(', ')})`}`,
    String(result.lost),
    String(result.duplicatesApplied),
    result.requestsPerApplied.toFixed(2),
    String(result.throttled),
    String(result.tokenRequests),
    (result.drainMs / 1000).toFixed(1),
    result.violations.length === 0 ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The last line. */
export function chaosLine(results: readonly ScenarioResult[]): string {
  const passed = results.filter((result) => result.violations.length === 0).length;
  const lost = results.reduce((sum, result) => sum + result.lost, 0);
  return `chaos: scenarios=${results.length} passed=${passed} lost=${lost}`;
}

