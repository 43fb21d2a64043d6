import { percentiles, type HistogramSet, type Percentiles } from './latency-histograms.js';

/** One line of the table: a group's total (segment undefined) or one of its segments. */
export interface PercentileRow {
  group: string;
  segment?: string;
  stats: Percentiles;
}

export function percentileRows(set: HistogramSet): PercentileRow[] {
  return set.groups().flatMap((g) => [
    { group: g.name, stats: percentiles(g.total) },
    ...[...g.segments].map(([segment, h]) => ({ group: g.name, segment, stats: percentiles(h) })),
  ]);
}

const UNITS: [string, number][] = [
  ['ns', 1],
  ['µs', 1e3],
  ['ms', 1e6],
  ['s', 1e9],
];

/** 3 significant digits in the largest unit that keeps the number at 1 or more: "18.2 µs". */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const abs = Math.abs(ns);
  let unit = 0;
  while (unit < UNITS.length - 1 && abs >= UNITS[unit + 1][1]) unit++;
  let value = ns / UNITS[unit][1];
  // 999.96 µs rounds to "1000 µs" at 3 digits: that is 1.00 ms.
  if (Math.abs(Number(value.toPrecision(3))) >= 1000 && unit < UNITS.length - 1) value = ns / UNITS[++unit][1];
  const [name] = UNITS[unit];
  const digits = unit === 0 || Math.abs(value) >= 1000 ? String(Math.round(value)) : value.toPrecision(3);
  return `${digits} ${name}`;
}

const COLUMNS = ['count', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;

function cells(stats: Percentiles): string[] {
  return [String(stats.count), ...[stats.p50, stats.p90, stats.p99, stats.p999, stats.max].map(formatNs)];
}

/** Fixed-width text for a terminal: each group's total, then its segments indented under it. */
export function renderPercentileTable(set: HistogramSet): string {
  const rows = percentileRows(set);
  if (rows.length === 0) return 'no messages or flows in the trace';
  const label = (r: PercentileRow) => (r.segment === undefined ? r.group : `  ${r.segment}`);
  const lines = [['group / segment', ...COLUMNS], ...rows.map((r) => [label(r), ...cells(r.stats)])];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const format = (l: string[]) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [format(lines[0]), rule, ...lines.slice(1).map(format)].join('\n');
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The same numbers in whole nanoseconds, for a spreadsheet; a group's total row has segment "total". */
export function percentilesCsv(set: HistogramSet): string {
  const header = 'group,segment,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns';
  const body = percentileRows(set).map(({ group, segment, stats: s }) =>
    [csvField(group), csvField(segment ?? 'total'), s.count, s.p50, s.p90, s.p99, s.p999, s.max, Math.round(s.mean)].join(','),
  );
  return `${[header, ...body].join('\n')}\n`;
}
