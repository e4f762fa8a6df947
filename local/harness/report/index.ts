/**
 * The run report: `npm start` (and the bench) write one self-contained HTML page per run, from the
 * run's summary and its raw series (local/harness/run/series.ts `runSeries`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RunSeries } from '../run/series.js';
import type { RunSummary } from '../run/summary.js';
import { reportData } from './data.js';
import { renderReport } from './html.js';

export { reportData, figuresOf, type Figure, type ReportData } from './data.js';
export { renderReport } from './html.js';

/** Where `npm start` writes the report unless `--report` names another file. */
export const DEFAULT_REPORT_FILE = '.local/report.html';

/** What a report is made of. */
export interface RunReportInput {
  summary: RunSummary;
  series: RunSeries;
  title?: string;
  /** Shown under the title: seed, time scale, template parameters, ... */
  settings?: Record<string, string | number>;
}

/** Writes the report to `file` (directories created) and returns its absolute path. */
export function writeRunReport(file: string, input: RunReportInput): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderReport(reportData(input), input.summary));
  return path;
}
