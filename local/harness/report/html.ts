/**
 * The run report as one self-contained HTML page: the summary figures on top, then the charts (inline
 * SVG), styles inline, no script or font from anywhere else, so it opens offline and can be mailed.
 * A few lines of inline script only check, once the page is laid out, that every chart drew its
 * marks with a size, and say so on `<body data-rendered>` (the report test reads it in Chromium).
 */
import type { RunSummary } from '../run/summary.js';
import type { ReportData } from './data.js';
import { escapeXml, histogram, horizontalBars, legend, lineChart, stackedBarChart, type BarLayer, type LineSeries } from './svg.js';

const STATUS_COLORS: Record<string, string> = { 'no answer': '#7f7f7f', 'token requests': '#1f77b4', '429': '#ff7f0e' };
const REASON_COLORS = ['#d62728', '#9467bd', '#8c564b', '#e377c2', '#bcbd22', '#17becf', '#ff7f0e', '#7f7f7f'];

/** Greens for 2xx, reds for 5xx, purples for other 4xx: one shade per code, so 500 and 503 stay apart. */
const SHADES: Record<string, string[]> = { '2': ['#2ca02c', '#98df8a', '#1b5e20'], '5': ['#d62728', '#ff9896', '#8c1d1d', '#e6550d'], '4': ['#9467bd', '#c5b0d5', '#e377c2', '#8c564b'] };

function statusColor(status: string, index: number): string {
  if (STATUS_COLORS[status] !== undefined) return STATUS_COLORS[status] as string;
  const shades = SHADES[status[0] ?? ''] ?? ['#7f7f7f'];
  return shades[index % shades.length] as string;
}

const STYLE = `
  :root { color-scheme: light; --ink: #1d2330; --muted: #5b6472; --line: #e3e6eb; --good: #1e7b34; --bad: #b42318; --warn: #a15c00; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
  header, main { max-width: 1180px; margin: 0 auto; padding: 20px 24px; }
  header { padding-bottom: 4px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 0 0 2px; }
  .settings { color: var(--muted); margin: 0; }
  .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 0 0 18px; padding: 0; }
  .figure { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; list-style: none; }
  .figure .value { display: block; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .figure .label { color: var(--muted); font-size: 12px; }
  .figure.good .value { color: var(--good); } .figure.bad .value { color: var(--bad); } .figure.warn .value { color: var(--warn); }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; }
  .chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .chart p { color: var(--muted); margin: 0 0 6px; font-size: 12px; }
  .chart-svg { width: 100%; height: auto; display: block; }
  .grid { stroke: var(--line); } .axis { stroke: #9aa1ab; }
  .tick, .value, .empty { font-size: 11px; fill: var(--muted); } .axis-label { font-size: 11px; fill: var(--muted); }
  .marker { stroke: #333; stroke-dasharray: 3 3; } .marker-label { font-size: 11px; fill: #333; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 6px 0 0; font-size: 12px; color: var(--muted); }
  .legend li { list-style: none; display: flex; align-items: center; gap: 5px; }
  .swatch { width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
  .parked-events { margin: 8px 0 0; padding-left: 18px; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
  footer { color: var(--muted); font-size: 12px; max-width: 1180px; margin: 0 auto; padding: 0 24px 24px; }
`;

/**
 * Counts, per chart, the marks the browser laid out with a size (getBBox forces the layout); the
 * report test reads the result. At the end of <body>, so everything it looks at is parsed.
 */
const SELF_CHECK = `
  (() => {
    const charts = {};
    for (const svg of document.querySelectorAll('svg[data-chart]')) {
      charts[svg.dataset.chart] = [...svg.querySelectorAll('.mark')].filter((mark) => { const box = mark.getBBox(); return box.width > 0 || box.height > 0; }).length;
    }
    document.body.dataset.rendered = JSON.stringify(charts);
  })();
`;

function section(id: string, title: string, caption: string, chart: string, legendHtml = ''): string {
  return `<section class="chart" id="${id}"><h2>${escapeXml(title)}</h2><p>${escapeXml(caption)}</p>${chart}${legendHtml}</section>`;
}

/** Each parked event with its reason, those the run did not mean to park marked. */
function parkedList(events: ReportData['parkedEvents']): string {
  if (events.length === 0) return '';
  const items = events.map(({ index, detailType, errorName, errorMessage, expected }) => {
    const reason = `${errorName}${errorMessage === undefined ? '' : `: ${errorMessage}`}`;
    return `<li data-parked-event="${index}">event ${index + 1} ${escapeXml(detailType)}${expected ? '' : ' <strong>(not by design)</strong>'}: ${escapeXml(reason)}</li>`;
  });
  return `<ul class="parked-events">${items.join('')}</ul>`;
}

/** The charts of the report, one section each. */
function charts(data: ReportData): string {
  const seconds = `time since the run started (s${data.bucketSeconds > 1 ? `, ${data.bucketSeconds} s buckets` : ''})`;
  const applied: LineSeries[] = [{ name: 'applied per second', color: '#2ca02c', points: data.bucketStarts.map((start, index) => [start, data.appliedPerSecond[index] ?? 0]) }];
  const statusLayers: BarLayer[] = data.requestsByStatus.map(({ status, values }) => ({
    name: status,
    color: statusColor(status, data.requestsByStatus.filter((other) => other.status[0] === status[0] && other.status < status).length),
    values,
  }));
  const queueSeries: LineSeries[] = [
    { name: 'waiting', color: '#1f77b4', points: data.queue.map((s) => [s.time, s.visible]) },
    { name: 'in flight or backing off', color: '#ff7f0e', points: data.queue.map((s) => [s.time, s.inFlight + s.delayed]) },
    { name: 'workflows running', color: '#2ca02c', points: data.queue.map((s) => [s.time, s.workflows]) },
    { name: 'parked (DLQ)', color: '#d62728', points: data.queue.map((s) => [s.time, s.parked]) },
  ];
  const actions = data.byAction.map(({ action, writes }, index) => ({ label: action, value: writes, color: REASON_COLORS[index % REASON_COLORS.length] as string }));
  const reasons = data.parkedByReason.map(({ reason, count }, index) => ({ label: reason, value: count, color: REASON_COLORS[index % REASON_COLORS.length] as string }));
  return [
    section('applied', 'Applied per second', 'Writes the Genesys simulator applied, per second, over the run.', lineChart({ id: 'applied', xLabel: seconds, yLabel: 'writes per second' }, applied)),
    section(
      'genesys',
      'Genesys requests by status',
      'Every request the simulator answered, by HTTP status, per bucket: 429 is its rate limit, 5xx its injected faults.',
      stackedBarChart({ id: 'genesys', xLabel: seconds, yLabel: 'requests' }, data.bucketStarts, data.bucketSeconds, statusLayers),
      legend(statusLayers),
    ),
    section('queue', 'Queue depth', `EventsQueue and DLQ, sampled while the run lasted (${data.queue.length} samples).`, lineChart({ id: 'queue', xLabel: 'time since the run started (s)', yLabel: 'messages / workflows' }, queueSeries), legend(queueSeries)),
    section(
      'latency',
      'Latency distribution',
      `Sent to EventBridge → attributes written in Genesys, per applied event (${data.latency.samples} events).`,
      histogram({ id: 'latency', xLabel: 'latency (ms)', yLabel: 'events' }, data.latencyBins, [
        { label: `p50 ${Math.round(data.latency.p50)} ms`, value: data.latency.p50 },
        { label: `p95 ${Math.round(data.latency.p95)} ms`, value: data.latency.p95 },
        { label: `p99 ${Math.round(data.latency.p99)} ms`, value: data.latency.p99 },
      ]),
    ),
    section(
      'actions',
      'Writes per action',
      `Genesys writes the applied events made, per action of the actions file (${data.byAction.map(({ action, applied }) => `${action}: ${applied} events`).join(', ') || 'none'}).`,
      horizontalBars({ id: 'actions', xLabel: '', yLabel: 'writes by action' }, actions),
    ),
    section(
      'parked',
      'Parked by reason',
      'Messages in the dead-letter queues at the end of the run, by errorName: npm run dlq -- list shows them. Below, the run\'s parked events with the errorName and errorMessage of their copies.',
      horizontalBars({ id: 'parked', xLabel: '', yLabel: 'parked messages by reason' }, reasons),
      parkedList(data.parkedEvents),
    ),
  ].join('\n');
}

/** The page for `data`; `summary` is embedded as JSON (`#run-summary`) for tools and the test. */
export function renderReport(data: ReportData, summary: RunSummary): string {
  const figures = data.figures
    .map((f) => `<li class="figure${f.tone ? ` ${f.tone}` : ''}" data-figure="${escapeXml(f.key)}" data-value="${f.value}"><span class="value">${escapeXml(f.text)}</span><span class="label">${escapeXml(f.label)}</span></li>`)
    .join('');
  const settings = Object.entries(data.settings).map(([name, value]) => `${escapeXml(name)} ${escapeXml(String(value))}`).join(' · ');
  const json = JSON.stringify(summary).replace(/</g, '\\u003c');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeXml(data.title)}</h1>
<p class="settings">${settings}${settings ? ' · ' : ''}generated ${escapeXml(data.generatedAt)}</p>
</header>
<main>
<ul class="figures">${figures}</ul>
<div class="charts">
${charts(data)}
</div>
</main>
<footer>Genesys events pipeline, local run report. The summary as JSON is in this page (script#run-summary).</footer>
<script type="application/json" id="run-summary">${json}</script>
<script>${SELF_CHECK}</script>
</body>
</html>
`;
}
