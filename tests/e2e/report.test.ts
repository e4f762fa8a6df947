import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '../../local/harness/run.js';
import { PROJECT_ROOT } from '../../template/index.js';
import { dumpDom, screenshot } from '../helpers/chromium.js';

const run = promisify(execFile);

/** Attribute values as Chromium serialises them: `&quot;`, `&amp;`, ... decoded. */
function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A RunSummary field by its dotted key (`latencyMs.p99`). */
function field(summary: RunSummary, key: string): number {
  return key.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown>)[part], summary) as number;
}

/** How a figure shows its value: one decimal for rates and seconds, whole numbers otherwise. */
function shown(key: string, value: number): string {
  if (key === 'throughputPerSecond') return value.toFixed(1);
  if (key === 'durationMs') return (value / 1000).toFixed(1);
  return String(Math.round(value));
}

describe('run report', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'run-report-'));
  const reportFile = join(scratch, 'report.html');
  const summaryFile = join(scratch, 'summary.json');
  let summary: RunSummary;
  let dom: string;

  beforeAll(async () => {
    // npm start itself, so the test also covers "every run writes the report". A 20 % fault rate makes
    // every status colour show; its exit code is not the point here.
    await run(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        'local/harness/cli.ts',
        '--events', '60', '--conversations', '6', '--rate', '0', '--time-scale', '10', '--fault-rate', '0.2', '--seed', '7',
        '--json', summaryFile, '--report', reportFile,
      ],
      { cwd: PROJECT_ROOT, maxBuffer: 32 * 1024 * 1024 },
    ).catch((error: { code?: number; stderr?: string }) => {
      if (error.code !== 1) throw error;
    });
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
    dom = await dumpDom(reportFile);
  }, 600_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is written by npm start, self-contained: nothing it loads comes from the network', () => {
    const html = readFileSync(reportFile, 'utf8');
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/);
  });

  it('draws every chart in Chromium: each has laid-out marks, as many as it declares', () => {
    const rendered = JSON.parse(decode(/<body[^>]*data-rendered="([^"]*)"/.exec(dom)?.[1] ?? '{}')) as Record<string, number>;
    const charts = [...dom.matchAll(/<svg[^>]*data-chart="([^"]+)"[^>]*data-marks="(\d+)"[^>]*>([\s\S]*?)<\/svg>/g)];

    expect(charts.map(([, id]) => id)).toEqual(['applied', 'genesys', 'queue', 'latency', 'actions', 'parked']);
    for (const [, id, declared, body] of charts) {
      const marks = (body?.match(/class="mark"/g) ?? []).length;
      expect({ id, marks }).toEqual({ id, marks: Number(declared) });
      expect({ id, drawn: rendered[id as string] }).toEqual({ id, drawn: Number(declared) });
      if (id !== 'parked' || summary.parked > 0) expect({ id, marks: marks > 0 }).toEqual({ id, marks: true });
    }
  });

  it('draws the lines through their data points', () => {
    const lines = [...dom.matchAll(/<g class="series" data-series="([^"]+)" data-points="(\d+)"><polyline[^>]*points="([^"]*)"/g)];
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const [, , count, points] of lines) expect((points ?? '').trim().split(/\s+/).filter(Boolean)).toHaveLength(Number(count));
  });

  it('shows the summary figures of the JSON summary on top', () => {
    const figures = [...dom.matchAll(/<li class="figure[^"]*" data-figure="([^"]+)" data-value="([^"]+)"><span class="value">([^<]*)<\/span>/g)];
    expect(figures.map(([, key]) => key)).toEqual(expect.arrayContaining(['in', 'applied', 'parked', 'lost', 'duplicates', 'genesysRequests', 'throttled', 'latencyMs.p99']));
    for (const [, key, value, text] of figures) {
      const expected = field(summary, key as string);
      expect({ key, value: Number(value) }).toEqual({ key, value: expected });
      expect({ key, text }).toEqual({ key, text: shown(key as string, expected) });
    }
  });

  it('shows the Genesys answers and the parked reasons of the run', () => {
    const genesys = /<svg[^>]*data-chart="genesys"[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? '';
    for (const status of Object.keys(summary.genesysRequestsByStatus)) {
      expect(genesys).toContain(`data-series="${status === '0' ? 'no answer' : status}"`);
    }
    const parked = /<svg[^>]*data-chart="parked"[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? '';
    for (const [reason, count] of Object.entries(summary.parkedByReason)) {
      expect(parked).toContain(`<title>${reason}: ${count}</title>`);
    }
  });

  it('shows the writes of each action of actions.yaml, as many as the summary counts', () => {
    const actions = /<svg[^>]*data-chart="actions"[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? '';
    expect(Object.keys(summary.byAction)).toEqual(['customer-start', 'customer-end', 'acd-start', 'acd-end', 'user-start', 'user-end', 'acw']);
    expect(Object.values(summary.byAction).reduce((total, { writes }) => total + writes, 0)).toBeGreaterThan(0);
    for (const [action, { writes }] of Object.entries(summary.byAction)) expect(actions).toContain(`<title>${action}: ${writes}</title>`);
  });

  it('embeds the summary it was made from', () => {
    const embedded = JSON.parse(/<script type="application\/json" id="run-summary">([\s\S]*?)<\/script>/.exec(dom)?.[1] ?? 'null') as RunSummary;
    const { timeScale: _timeScale, seed: _seed, ...fromFile } = summary as RunSummary & { timeScale?: number; seed?: number };
    expect(embedded).toEqual(fromFile);
  });

  it('renders to a screenshot', async () => {
    const png = join(scratch, 'report.png');
    await screenshot(reportFile, png);
    expect(existsSync(png)).toBe(true);
    expect(statSync(png).size).toBeGreaterThan(10_000);
  });
});
