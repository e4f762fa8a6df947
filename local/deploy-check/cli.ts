/**
 * `npm run deploy:check`: runs the deploy check (./index.ts) on the bundles `npm run build` made and prints its
 * table: every resource of the translated template and how it was checked. Exits 1 when anything differs.
 */
import { isMainModule, runMain } from '../../tools/cli.js';
import { MotoUnavailableError } from '../stack/moto.js';
import { runDeployCheck, type DeployCheckResult } from './index.js';
import { MissingBuildError } from './package.js';
import { ParameterValueError } from './parameters.js';
import { TranslateError } from './translate.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** The report `npm run deploy:check` prints. */
export function formatDeployCheck(result: DeployCheckResult): string {
  const lines: string[] = [];
  lines.push(
    table([
      ['Resource', 'Type', 'How it is checked', 'Fields', 'Not compared', 'Result', 'In the translated template'],
      ...result.rows.map((row) => [
        row.logicalId,
        row.type,
        row.how.join(' + '),
        String(row.compared),
        String(row.notes.length),
        row.mismatches.length === 0 ? 'ok' : `${row.mismatches.length} differ`,
        row.staticCheck ?? '',
      ]),
    ]),
  );
  for (const row of result.rows) {
    for (const mismatch of row.mismatches) lines.push(`  ✗ ${row.logicalId}: ${mismatch}`);
  }
  const notes = result.rows.flatMap((row) => row.notes.map((note) => `  ${row.logicalId}: ${note}`));
  if (notes.length > 0) lines.push('', 'Not compared, and why:', ...notes);
  lines.push('', 'Stack:');
  for (const check of result.stack) {
    lines.push(`  ${check.findings.mismatches.length === 0 ? '✓' : '✗'} ${check.name} (${check.findings.compared.length} checked${check.findings.skipped.length > 0 ? `, ${check.findings.skipped.length} not comparable in moto` : ''})`);
    for (const mismatch of check.findings.mismatches) lines.push(`      ${mismatch}`);
  }
  lines.push('', 'moto-only rewrites of the translated template (local/deploy-check/moto-gaps.ts):');
  for (const rewrite of result.rewrites) lines.push(`  - ${rewrite.gap}: ${rewrite.changed.length === 0 ? 'nothing to do' : rewrite.changed.join(', ')}`);
  lines.push('', 'Not checkable here (only a real sam deploy shows it):');
  for (const item of result.notCheckable) lines.push(`  - ${item}`);
  const compared = result.rows.reduce((sum, row) => sum + row.compared, 0);
  lines.push('', `deploy-check: ${result.ok ? 'ok' : 'FAILED'} resources=${result.rows.length} fields=${compared} differ=${result.rows.reduce((sum, row) => sum + row.mismatches.length, 0) + result.stack.reduce((sum, check) => sum + check.findings.mismatches.length, 0)}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const result = await runDeployCheck({ log: (line) => console.error(`deploy-check: ${line}`) });
  console.log(formatDeployCheck(result));
  return result.ok ? 0 : 1;
}

if (isMainModule(import.meta.url)) {
  await runMain(main, { command: 'npm run deploy:check', userErrors: [MissingBuildError, ParameterValueError, TranslateError, MotoUnavailableError] });
}
