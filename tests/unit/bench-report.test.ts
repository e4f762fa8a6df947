/**
 * The bench's outputs (bench/report.ts, bench/markdown.ts): docs/benchmarks.md is a function of the
 * figures alone, the console table ends with its machine-readable line, and each missed target is named.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderMarkdown } from '../../bench/markdown.js';
import { lastLine, renderTable, type BenchReport } from '../../bench/report.js';
import { PROJECT_ROOT } from '../../template/index.js';

/** The figures of the last recorded run, as `npm run bench` wrote them next to docs/benchmarks.md. */
function recordedReport(): BenchReport {
  return JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'docs/benchmarks.json'), 'utf8')) as BenchReport;
}

describe('bench report', () => {
  it('renders docs/benchmarks.md from the figures of docs/benchmarks.json, byte for byte', () => {
    const recorded = readFileSync(resolve(PROJECT_ROOT, 'docs/benchmarks.md'), 'utf8');

    expect(renderMarkdown(recordedReport())).toBe(recorded);
  });

  it('prints one console row per figure under a header, and a last line of key=value figures', () => {
    const report = recordedReport();

    const table = renderTable(report).split('\n');

    expect(table[0]).toMatch(/^figure\s+value\s+target\s+status$/);
    expect(table.slice(1).some((row) => row.startsWith('goodput / limit (design)'))).toBe(true);
    expect(lastLine(report)).toMatch(/^bench: goodput_ratio=[\d.]+ throttled_share=[\d.]+ requests_per_event=[\d.]+ scaling_goodput_min=[\d.]+ scaling_throttled_max=[\d.]+$/);
  });

  it('says all targets are met, with no cold-start floor, when every figure meets its target', () => {
    const report = recordedReport();
    for (const bundle of report.coldStart.bundles) Object.assign(bundle, { bytes: 100 * 1024, importRatio: 1.1 });
    for (const cell of report.scaling.cells) Object.assign(cell, { goodputRatio: 1, throttledShare: 0, latencyMs: { p50: 10, p99: 100 } });
    Object.assign(report.goodput.design, { throttledShare: 0, parked: 0 });

    const markdown = renderMarkdown(report);

    expect(markdown).toContain('- All targets measured here are met.');
    expect(markdown).toContain('### Cold start: what limits it');
    expect(markdown).not.toContain('The only way under the targets');
  });

  it('names a design that was throttled or parked events, with its figures', () => {
    const report = recordedReport();
    Object.assign(report.goodput.design, { throttledShare: 0.05, parked: 3, parkedByReason: { 'Genesys.RateLimited': 3 } });

    const markdown = renderMarkdown(report);

    expect(markdown).toContain(`- **Design: 5 % of Genesys requests answered 429, 3 of ${report.goodput.design.events} events parked ({"Genesys.RateLimited":3}).**`);
  });
});
