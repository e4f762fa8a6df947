/**
 * Inline SVG charts for the run report: line, stacked bars, histogram and horizontal bars. Plain
 * strings, no library and no network, so the report opens anywhere. Every drawn datum is an element
 * of class `mark` (a point, a bar or a bar segment), so a reader (or the report test) can count them.
 */

/** One line of a line chart: its points as [x, y]. */
export interface LineSeries {
  name: string;
  color: string;
  points: readonly [number, number][];
}

/** One layer of a stacked bar chart: a value per bucket. */
export interface BarLayer {
  name: string;
  color: string;
  values: readonly number[];
}

/** Size and labels shared by the charts. */
export interface ChartFrame {
  /** Identifies the chart in the page (`data-chart`). */
  id: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const MARGIN = { top: 14, right: 16, bottom: 42, left: 56 };

/** Escapes text for XML and HTML. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Round tick values from 0 to at least `max`: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let value = 0; value < max + step / 2; value += step) ticks.push(Number(value.toPrecision(12)));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 10_000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

interface Plot {
  width: number;
  height: number;
  x: (value: number) => number;
  y: (value: number) => number;
  xTicks: number[];
  yTicks: number[];
}

function plot(frame: ChartFrame, xMax: number, yMax: number): Plot {
  const width = frame.width ?? 640;
  const height = frame.height ?? 260;
  const xTicks = niceTicks(xMax);
  const yTicks = niceTicks(yMax, 4);
  const xTop = xTicks.at(-1) ?? 1;
  const yTop = yTicks.at(-1) ?? 1;
  const innerWidth = width - MARGIN.left - MARGIN.right;
  const innerHeight = height - MARGIN.top - MARGIN.bottom;
  return {
    width,
    height,
    xTicks,
    yTicks,
    x: (value) => MARGIN.left + (value / xTop) * innerWidth,
    y: (value) => MARGIN.top + innerHeight - (value / yTop) * innerHeight,
  };
}

function axes(frame: ChartFrame, p: Plot, xTickLabels = true): string {
  const bottom = p.height - MARGIN.bottom;
  const grid = p.yTicks
    .map((tick) => `<line class="grid" x1="${MARGIN.left}" x2="${p.width - MARGIN.right}" y1="${p.y(tick).toFixed(1)}" y2="${p.y(tick).toFixed(1)}"/>` +
      `<text class="tick" x="${MARGIN.left - 6}" y="${(p.y(tick) + 4).toFixed(1)}" text-anchor="end">${formatTick(tick)}</text>`)
    .join('');
  const xTicks = xTickLabels
    ? p.xTicks.map((tick) => `<text class="tick" x="${p.x(tick).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${formatTick(tick)}</text>`).join('')
    : '';
  return (
    `${grid}${xTicks}<line class="axis" x1="${MARGIN.left}" x2="${p.width - MARGIN.right}" y1="${bottom}" y2="${bottom}"/>` +
    `<text class="axis-label" x="${(MARGIN.left + p.width - MARGIN.right) / 2}" y="${p.height - 6}" text-anchor="middle">${escapeXml(frame.xLabel)}</text>` +
    `<text class="axis-label" transform="translate(14 ${(MARGIN.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(frame.yLabel)}</text>`
  );
}

function svg(frame: ChartFrame, p: Plot, body: string, marks: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" data-chart="${escapeXml(frame.id)}" data-marks="${marks}" ` +
    `viewBox="0 0 ${p.width} ${p.height}" role="img" aria-label="${escapeXml(frame.yLabel)} by ${escapeXml(frame.xLabel)}">${body}</svg>`
  );
}

/** A legend as HTML, one swatch per series. */
export function legend(items: readonly { name: string; color: string }[]): string {
  return `<ul class="legend">${items.map((item) => `<li><span class="swatch" style="background:${item.color}"></span>${escapeXml(item.name)}</li>`).join('')}</ul>`;
}

/** Lines over a shared x axis, each point a `mark` circle with its value in a tooltip. */
export function lineChart(frame: ChartFrame, series: readonly LineSeries[]): string {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const p = plot(frame, Math.max(1, ...xs), Math.max(1, ...ys));
  let marks = 0;
  const lines = series
    .map((s) => {
      const coordinates = s.points.map(([x, y]) => `${p.x(x).toFixed(1)},${p.y(y).toFixed(1)}`);
      const dots = s.points
        .map(([x, y]) => `<circle class="mark" cx="${p.x(x).toFixed(1)}" cy="${p.y(y).toFixed(1)}" r="1.8" fill="${s.color}"><title>${escapeXml(s.name)}: ${formatTick(y)} at ${formatTick(x)}</title></circle>`)
        .join('');
      marks += s.points.length;
      return `<g class="series" data-series="${escapeXml(s.name)}" data-points="${s.points.length}"><polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${coordinates.join(' ')}"/>${dots}</g>`;
    })
    .join('');
  return svg(frame, p, axes(frame, p) + lines, marks);
}

/** Bars per bucket of width `bucketWidth` on the x axis, layers stacked; each non-zero segment a `mark`. */
export function stackedBarChart(frame: ChartFrame, bucketStarts: readonly number[], bucketWidth: number, layers: readonly BarLayer[]): string {
  const totals = bucketStarts.map((_, index) => layers.reduce((sum, layer) => sum + (layer.values[index] ?? 0), 0));
  const p = plot(frame, Math.max(bucketWidth, (bucketStarts.at(-1) ?? 0) + bucketWidth), Math.max(1, ...totals));
  let marks = 0;
  const bars = bucketStarts
    .map((start, index) => {
      let base = 0;
      const x = p.x(start);
      const width = Math.max(1, p.x(start + bucketWidth) - x - 1);
      return layers
        .map((layer) => {
          const value = layer.values[index] ?? 0;
          if (value <= 0) return '';
          const top = p.y(base + value);
          const height = Math.max(0.5, p.y(base) - top);
          base += value;
          marks += 1;
          return `<rect class="mark" data-series="${escapeXml(layer.name)}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" fill="${layer.color}"><title>${escapeXml(layer.name)}: ${formatTick(value)} at ${formatTick(start)}</title></rect>`;
        })
        .join('');
    })
    .join('');
  return svg(frame, p, axes(frame, p) + bars, marks);
}

/** A histogram of counts per bin, with labelled vertical markers (percentiles). */
export function histogram(frame: ChartFrame, bins: readonly { from: number; to: number; count: number }[], markers: readonly { label: string; value: number }[]): string {
  const xMax = Math.max(1, bins.at(-1)?.to ?? 1);
  const p = plot(frame, xMax, Math.max(1, ...bins.map((bin) => bin.count)));
  const bars = bins
    .filter((bin) => bin.count > 0)
    .map((bin) => {
      const x = p.x(bin.from);
      const top = p.y(bin.count);
      return `<rect class="mark" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, p.x(bin.to) - x - 1).toFixed(1)}" height="${(p.y(0) - top).toFixed(1)}" fill="#4c78a8"><title>${formatTick(bin.from)}–${formatTick(bin.to)}: ${bin.count}</title></rect>`;
    });
  const lines = markers
    .map((marker, index) => {
      const x = p.x(Math.min(marker.value, xMax)).toFixed(1);
      return `<line class="marker" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${p.y(0)}"/><text class="marker-label" x="${x}" y="${MARGIN.top + 10 + index * 12}" dx="3">${escapeXml(marker.label)}</text>`;
    })
    .join('');
  return svg(frame, p, axes(frame, p) + bars.join('') + lines, bars.length);
}

/** One bar per item, longest first, labelled with its name and value. */
export function horizontalBars(frame: ChartFrame, items: readonly { label: string; value: number; color: string }[]): string {
  const width = frame.width ?? 640;
  const rowHeight = 26;
  const labelWidth = 200;
  const height = Math.max(60, items.length * rowHeight + 30);
  const max = Math.max(1, ...items.map((item) => item.value));
  const rows = items
    .map((item, index) => {
      const y = 10 + index * rowHeight;
      const barWidth = Math.max(2, ((width - labelWidth - 60) * item.value) / max);
      return (
        `<text class="tick" x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(item.label)}</text>` +
        `<rect class="mark" data-series="${escapeXml(item.label)}" x="${labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${rowHeight - 8}" fill="${item.color}"><title>${escapeXml(item.label)}: ${item.value}</title></rect>` +
        `<text class="value" x="${(labelWidth + barWidth + 6).toFixed(1)}" y="${y + 15}">${item.value}</text>`
      );
    })
    .join('');
  const body = items.length === 0 ? `<text class="empty" x="${width / 2}" y="36" text-anchor="middle">nothing parked</text>` : rows;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" data-chart="${escapeXml(frame.id)}" data-marks="${items.length}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(frame.yLabel)}">${body}</svg>`
  );
}
