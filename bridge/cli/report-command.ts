import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseOptions } from './parse-options.js';
import { renderHtmlReport } from '../profile/html-report.js';
import { buildHistograms } from '../profile/latency-histograms.js';
import { percentilesCsv, renderPercentileTable } from '../profile/percentile-table.js';
import { readTrace } from '../profile/read-trace.js';
import { UsageError } from './usage-error.js';
import type { TraceHeader } from '../profile/trace-format.js';

export const reportHelp = `dl7450-bridge report <trace.jsonl> [--html FILE] [--csv FILE]

Latency report from a profile trace (JSON Lines, as written by a profiling run): prints the
percentiles of each message group (direction, QoS) and MQTT flow, in total and per segment,
and writes a self-contained HTML report (percentile curves and latency over time, as inline
SVG: it opens offline and fetches nothing).

  --html FILE   the HTML report (default: the trace's path with .jsonl replaced by .html)
  --csv FILE    also write the percentiles as CSV, in nanoseconds

Exit codes: 0 written, 1 the trace cannot be read, 2 bad options.`;

function defaultHtmlPath(trace: string): string {
  return trace.endsWith('.jsonl') ? `${trace.slice(0, -'.jsonl'.length)}.html` : `${trace}.html`;
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    options: { html: { type: 'string' }, csv: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('give the trace file: dl7450-bridge report <trace.jsonl> (see --help)');
  if (positionals.length > 1) throw new UsageError(`one trace at a time, got ${positionals.length}: ${positionals.join(' ')}`);
  const [trace] = positionals;
  const html = values.html ?? defaultHtmlPath(trace);
  for (const [option, out] of [['html', html], ['csv', values.csv]] as const) {
    if (out === '') throw new UsageError(`--${option} needs a file name`);
    // A report written over its own trace would lose the measurement.
    if (out !== undefined && resolve(out) === resolve(trace)) throw new UsageError(`--${option} ${out} is the trace itself`);
  }
  if (values.csv !== undefined && resolve(values.csv) === resolve(html)) throw new UsageError('--csv and --html name the same file');

  const records = await readTrace(trace);
  const histograms = buildHistograms(records);
  const { interrupted } = records[0] as TraceHeader;
  if (interrupted) process.stdout.write(`INTERRUPTED run: ${interrupted.messagesSent} messages sent before it was stopped\n`);
  process.stdout.write(`${renderPercentileTable(histograms)}\n\n`);
  await writeFile(html, renderHtmlReport(records, { title: basename(trace), histograms }));
  process.stdout.write(`html: ${html}\n`);
  if (values.csv !== undefined) {
    await writeFile(values.csv, percentilesCsv(histograms));
    process.stdout.write(`csv: ${values.csv}\n`);
  }
  return 0;
}
