import type { Histogram } from './latency-histograms.js';
import { formatNs } from './percentile-table.js';
import type { BucketSeries } from './time-buckets.js';

/** For text from the trace (topic-derived names, header fields): it goes into HTML and SVG alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const TOTAL_COLOUR = '#111';
export const seriesColour = (i: number): string => PALETTE[i % PALETTE.length];

/** Decade ticks read "10 µs", not "10.0 µs". */
const tickLabel = (ns: number) => formatNs(ns).replace(/\.0+ /, ' ');

const f = (n: number) => (Math.round(n * 10) / 10).toString();

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Latency on a log axis: segments a thousand times apart (a serial line and a parse) are
 * both readable on one chart, and a stall does not flatten the rest to the axis.
 */
function logAxis(values: number[], frame: Frame) {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const lo = 10 ** Math.floor(Math.log10(positive.length ? Math.min(...positive) : 1));
  let hi = 10 ** Math.ceil(Math.log10(positive.length ? Math.max(...positive) : 10));
  if (hi <= lo) hi = lo * 10;
  const y0 = frame.height - frame.bottom;
  const span = y0 - frame.top;
  const y = (v: number) => y0 - (span * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const ticks: number[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) ticks.push(d);
  return { y, ticks };
}

function frameSvg(frame: Frame, title: string, yTicks: number[], y: (v: number) => number, xTicks: { x: number; label: string }[], body: string, xLabel: string): string {
  const { width, height, left, right, top, bottom } = frame;
  const x1 = width - right;
  const y1 = height - bottom;
  const grid = [
    ...yTicks.map((v) => `<line x1="${left}" x2="${x1}" y1="${f(y(v))}" y2="${f(y(v))}" class="grid"/><text x="${left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${escapeHtml(tickLabel(v))}</text>`),
    ...xTicks.map((t) => `<line x1="${f(t.x)}" x2="${f(t.x)}" y1="${top}" y2="${y1}" class="grid"/><text x="${f(t.x)}" y="${y1 + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`),
  ].join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>` +
    `<rect x="${left}" y="${top}" width="${x1 - left}" height="${y1 - top}" class="plot"/>${grid}${body}` +
    `<text x="${(left + x1) / 2}" y="${height - 6}" text-anchor="middle" class="axis">${escapeHtml(xLabel)}</text>` +
    `<text x="${left}" y="${top - 8}" class="title">${escapeHtml(title)}</text></svg>`;
}

export interface CurveInput {
  name: string;
  histogram: Histogram;
  colour: string;
}

const nines = (k: number) => `${(100 * (1 - 10 ** -k)).toFixed(Math.max(0, k - 2))}%`;

/** HdrHistogram's percentile distribution plot: x is log10(1 / (1 - p)), so 90%, 99%, 99.9% are evenly spaced. */
export function percentileCurveSvg(title: string, curves: CurveInput[]): string {
  const frame: Frame = { width: 760, height: 320, left: 70, right: 170, top: 28, bottom: 40 };
  const maxCount = Math.max(1, ...curves.map((c) => c.histogram.totalCount));
  // Beyond 1 - 1/count the curve is only the max repeated, so stop there (within 99% .. 99.999%).
  const xMax = Math.min(5, Math.max(2, Math.ceil(Math.log10(maxCount))));
  const steps = 200;
  const sampled = curves.map((c) => {
    const points: [number, number][] = [];
    for (let i = 0; i <= steps && c.histogram.totalCount > 0; i++) {
      const k = (xMax * i) / steps;
      const p = i === 0 ? 0 : 100 * (1 - 10 ** -k);
      points.push([k, Math.min(c.histogram.getValueAtPercentile(p), c.histogram.maxValue)]);
    }
    return { ...c, points };
  });
  const { y, ticks } = logAxis(sampled.flatMap((s) => s.points.map((p) => p[1])), frame);
  const x = (k: number) => frame.left + ((frame.width - frame.left - frame.right) * k) / xMax;
  const xTicks = Array.from({ length: xMax + 1 }, (_, k) => ({ x: x(k), label: nines(k) }));
  const lines = sampled
    .map((s) => `<polyline fill="none" stroke="${s.colour}" stroke-width="${s.colour === TOTAL_COLOUR ? 2.5 : 1.5}" points="${s.points.map(([k, v]) => `${f(x(k))},${f(y(v))}`).join(' ')}"/>`)
    .join('');
  const legend = sampled
    .map((s, i) => {
      const ly = frame.top + 8 + i * 18;
      const lx = frame.width - frame.right + 14;
      return `<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="3"/><text x="${lx + 24}" y="${ly + 4}">${escapeHtml(s.name)}</text>`;
    })
    .join('');
  return frameSvg(frame, title, ticks, y, xTicks, lines + legend, 'percentile');
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
}

/** Min-to-max strokes per time bucket: a bucket holding one record is a dot, a spread one a bar. */
export function timeSeriesSvg(title: string, series: BucketSeries, startNs: number, endNs: number, colour: string): string {
  const frame: Frame = { width: 380, height: 170, left: 62, right: 12, top: 24, bottom: 36 };
  const values: number[] = [];
  for (let i = 0; i < series.count.length; i++) if (series.count[i] > 0) values.push(series.min[i], series.max[i]);
  const { y, ticks } = logAxis(values, frame);
  const span = Math.max(1, endNs - startNs);
  const x = (t: number) => frame.left + ((frame.width - frame.left - frame.right) * (t - startNs)) / span;
  const unit = span >= 2e9 ? { ns: 1e9, name: 's' } : { ns: 1e6, name: 'ms' };
  const step = niceStep(span / 4 / unit.ns) * unit.ns;
  const xTicks: { x: number; label: string }[] = [];
  for (let t = Math.ceil(startNs / step) * step; t <= endNs; t += step) xTicks.push({ x: x(t), label: `${Number((t / unit.ns).toPrecision(4))} ${unit.name}` });
  const width = span / series.count.length;
  let d = '';
  for (let i = 0; i < series.count.length; i++) {
    if (series.count[i] === 0) continue;
    d += `M${f(x(startNs + (i + 0.5) * width))} ${f(y(series.max[i]))}V${f(y(series.min[i]))}`;
  }
  const body = `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2" stroke-linecap="round"/>`;
  return frameSvg(frame, title, ticks, y, xTicks, body, 'time since start of trace');
}
