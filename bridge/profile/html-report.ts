import { buildHistograms, type HistogramSet } from './latency-histograms.js';
import { formatNs, percentileRows } from './percentile-table.js';
import { escapeHtml as e, percentileCurveSvg, seriesColour, timeSeriesSvg, TOTAL_COLOUR } from './svg-plots.js';
import { bucketTimeSeries } from './time-buckets.js';
import type { TraceHeader, TraceRecord } from './trace-format.js';

export interface HtmlReportOptions {
  /** Shown as the page title, e.g. the trace's file name. */
  title?: string;
  /** Already built from the same records (the report command prints the table from them too). */
  histograms?: HistogramSet;
}

// Everything inline: the report is mailed around and opened offline, so it may fetch nothing.
const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 10px;text-align:right;font-variant-numeric:tabular-nums}
th{border-bottom:1px solid #999}td:first-child,th:first-child{text-align:left}tr.total td{font-weight:600;border-top:1px solid #ddd}
td.segment{padding-left:26px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{color:#666}dd{margin:0}
.series{display:flex;flex-wrap:wrap;gap:8px}svg{font-size:11px;background:#fff}svg .grid{stroke:#e4e4e4}
svg .plot{fill:none;stroke:#bbb}svg .title{font-weight:600;font-size:12px}svg .axis{fill:#666}.note{color:#666}`;

function headerInfo(header: TraceHeader | undefined): string {
  if (!header) return '<p class="note">The trace has no header.</p>';
  const w = header.workload;
  const c = header.clock;
  const clock = c.source === 'same-clock'
    ? 'same clock (the board stamps on the host clock)'
    : `time-sync: offset ${formatNs(c.offsetNs)} ± ${formatNs(c.boundNs)} (${c.samples} samples)`;
  const rows: [string, string][] = [
    ['board', header.board],
    ['broker', header.broker],
    ['workload', `${w.rate} msg/s per direction, ${w.direction}, QoS ${w.qos}, sizes ${w.sizes.join(', ')} B, ${w.durationMs} ms`],
    ['started', header.startedAt],
    ['clock', clock],
    ['capture', header.capture ? 'on' : 'off (the bridge took no stamps)'],
    ...(header.interrupted ? ([['interrupted', `stopped early: ${header.interrupted.messagesSent} messages sent, of the workload above`]] as [string, string][]) : []),
  ];
  return `<dl>${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(String(v))}</dd>`).join('')}</dl>`;
}

function percentileTableHtml(set: HistogramSet): string {
  const rows = percentileRows(set);
  if (rows.length === 0) return '<p class="note">No messages or flows in the trace.</p>';
  const head = ['group / segment', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'].map((h) => `<th>${h}</th>`).join('');
  const body = rows
    .map(({ group, segment, stats: s }) => {
      const label = segment === undefined ? `<td>${e(group)}</td>` : `<td class="segment">${e(segment)}</td>`;
      const cells = [s.p50, s.p90, s.p99, s.p999, s.max, s.mean].map((ns) => `<td>${e(formatNs(ns))}</td>`).join('');
      return `<tr${segment === undefined ? ' class="total"' : ''}>${label}<td>${s.count}</td>${cells}</tr>`;
    })
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function countsHtml(records: readonly TraceRecord[]): string {
  const packets = new Map<string, { 'to-broker': number; 'to-board': number }>();
  const losses = { up: 0, down: 0, echo: 0 };
  let messages = 0;
  const unclosed: string[] = [];
  for (const r of records) {
    if (r.kind === 'unclosed') unclosed.push(`${r.flow}${r.id !== undefined ? ` id ${r.id}` : ''} (conn ${r.conn})`);
    if (r.kind === 'packet') {
      const row = packets.get(r.cmd) ?? { 'to-broker': 0, 'to-board': 0 };
      row[r.dir] = (row[r.dir] ?? 0) + 1;
      packets.set(r.cmd, row);
    } else if (r.kind === 'loss') losses[r.dir] = (losses[r.dir] ?? 0) + 1;
    else if (r.kind === 'message') messages++;
  }
  const lost = losses.up + losses.down + losses.echo;
  const summary = messages === 0
    ? '<p><strong>No messages</strong> in this trace (no workload message was received).</p>'
    : `<p>${messages} messages received.</p>`;
  const lossLine =
    `<p>Losses: ${lost}${lost ? ` (up ${losses.up}, down ${losses.down}${losses.echo ? `, echo ${losses.echo}` : ''})` : ''}.</p>` +
    `<p>MQTT flows left open: ${unclosed.length}${unclosed.length ? `: ${e(unclosed.slice(0, 20).join(', '))}${unclosed.length > 20 ? ', …' : ''}` : ''}.</p>`;
  const packetRows = [...packets]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([cmd, n]) => `<tr><td>${e(cmd)}</td><td>${n['to-broker']}</td><td>${n['to-board']}</td></tr>`)
    .join('');
  const packetTable = packets.size
    ? `<table><thead><tr><th>packet</th><th>to broker</th><th>to board</th></tr></thead><tbody>${packetRows}</tbody></table>`
    : '<p class="note">No packet records.</p>';
  return summary + lossLine + packetTable;
}

function groupSections(records: readonly TraceRecord[], set: HistogramSet): string {
  const series = bucketTimeSeries(records);
  return set
    .groups()
    .map((g) => {
      const segmentNames = [...g.segments.keys()];
      const colour = (name: string) => seriesColour(segmentNames.indexOf(name));
      const curve = percentileCurveSvg(`${g.name}: latency by percentile`, [
        { name: 'total', histogram: g.total, colour: TOTAL_COLOUR },
        ...segmentNames.map((name) => ({ name, histogram: g.segments.get(name)!, colour: colour(name) })),
      ]);
      const ts = series.groups.get(g.name);
      const plots = ts
        ? [
            timeSeriesSvg(`${g.name}: total`, ts.total, series.startNs, series.endNs, TOTAL_COLOUR),
            ...[...ts.segments].map(([name, s]) => timeSeriesSvg(`${g.name}: ${name}`, s, series.startNs, series.endNs, colour(name))),
          ].join('')
        : '';
      return `<section><h2>${e(g.name)}</h2>${curve}<h3>Latency over time (min and max per ${formatNs((series.endNs - series.startNs) / series.buckets)})</h3><div class="series">${plots}</div></section>`;
    })
    .join('');
}

/** The whole report as one HTML file: no script, font or stylesheet to fetch, charts as inline SVG. */
export function renderHtmlReport(records: readonly TraceRecord[], options: HtmlReportOptions = {}): string {
  const header = records.find((r): r is TraceHeader => r.kind === 'header');
  const set = options.histograms ?? buildHistograms(records);
  const title = `dl7450-bridge latency report${options.title ? `: ${options.title}` : ''}`;
  const clamped = set.clamped ? `<p class="note">${set.clamped} negative segment values (clock offset beyond its bound?) counted as 0.</p>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(title)}</title><style>${STYLE}</style></head>
<body><h1>${e(title)}</h1>${headerInfo(header)}<h2>Counts</h2>${countsHtml(records)}
<h2>Percentiles</h2>${percentileTableHtml(set)}${clamped}${groupSections(records, set)}
</body></html>
`;
}
