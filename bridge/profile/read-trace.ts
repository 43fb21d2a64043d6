import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TRACE_FORMAT, TRACE_VERSION, type TraceRecord } from './trace-format.js';

/**
 * Checks only what the report reads, so that a trace from a newer bridge with extra fields
 * still renders, while a corrupt one fails on its line rather than as NaN in a table.
 */
const REQUIRED: Record<string, Record<string, 'string' | 'number' | 'object' | 'boolean'>> = {
  header: { format: 'string', version: 'number', t0: 'string', t0EpochNs: 'string', startedAt: 'string', board: 'string', broker: 'string', workload: 'object', clock: 'object', capture: 'boolean' },
  packet: { dir: 'string', cmd: 'string', len: 'number' },
  flow: { flow: 'string', start: 'number', end: 'number', totalNs: 'number', segments: 'object' },
  message: { dir: 'string', qos: 'number', intended: 'number', latencyNs: 'number', segments: 'object' },
  loss: { seq: 'number', dir: 'string', intended: 'number' },
  unclosed: { flow: 'string', conn: 'number', packets: 'number' },
};

function problem(record: Record<string, unknown>, first: boolean): string | undefined {
  const kind = record.kind;
  if (first && kind !== 'header') return `the first line must be the trace header (kind "header"), got kind ${JSON.stringify(kind)}`;
  if (!first && kind === 'header') return 'a second header (two traces concatenated?)';
  const fields = typeof kind === 'string' ? REQUIRED[kind] : undefined;
  if (!fields) return `unknown record kind ${JSON.stringify(kind)} (expected ${Object.keys(REQUIRED).join(', ')})`;
  for (const [field, type] of Object.entries(fields)) {
    const value = record[field];
    if (typeof value !== type || value === null || (type === 'number' && !Number.isFinite(value))) {
      return `${kind} record: "${field}" must be a ${type}, got ${JSON.stringify(value) ?? 'nothing'}`;
    }
  }
  if (kind === 'header') {
    if (record.format !== TRACE_FORMAT) return `not a ${TRACE_FORMAT} trace (format ${JSON.stringify(record.format)})`;
    if (record.version !== TRACE_VERSION) return `trace version ${record.version as number}, this bridge reads version ${TRACE_VERSION}`;
  }
  if (kind === 'message') {
    const segments = record.segments;
    const ok = Array.isArray(segments) && segments.every((s: { name?: unknown; ns?: unknown } | null) => typeof s?.name === 'string' && Number.isFinite(s.ns));
    if (!ok) return 'message record: "segments" must be a list of { name, ns }';
  }
  if (kind === 'flow' && !Object.values(record.segments as object).every((ns) => Number.isFinite(ns))) {
    return 'flow record: "segments" must map segment names to numbers';
  }
  return undefined;
}

/**
 * Line-at-a-time so that a file can be streamed. A line that is not JSON is only known to be
 * a cut-off end (a bridge killed mid-write) once no line follows it, so its error waits a line.
 */
export class TraceParser {
  readonly records: TraceRecord[] = [];
  private lineNo = 0;
  private pendingJsonError: { line: number; message: string } | undefined;

  constructor(private readonly name: string) {}

  push(line: string): void {
    this.lineNo++;
    // Blank lines after a cut-off one (an editor's trailing newline) still leave it the last.
    if (line.trim() === '') return;
    if (this.pendingJsonError) this.fail(this.pendingJsonError.line, `not JSON (${this.pendingJsonError.message})`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.pendingJsonError = { line: this.lineNo, message: (error as Error).message };
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(this.lineNo, 'not a JSON object');
    const bad = problem(value as Record<string, unknown>, this.records.length === 0);
    if (bad) this.fail(this.lineNo, bad);
    this.records.push(value as TraceRecord);
  }

  end(): TraceRecord[] {
    const pending = this.pendingJsonError;
    if (pending) {
      this.fail(pending.line, 'truncated: the last line is not complete JSON (was the bridge stopped while writing the trace?)');
    }
    if (this.records.length === 0) throw new Error(`${this.name}: empty, not a trace (no header line)`);
    return this.records;
  }

  private fail(line: number, message: string): never {
    throw new Error(`${this.name}:${line}: ${message}`);
  }
}

export function parseTraceLines(lines: string[], name: string): TraceRecord[] {
  const parser = new TraceParser(name);
  for (const line of lines) parser.push(line);
  return parser.end();
}

export async function readTrace(path: string): Promise<TraceRecord[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot open it (${(error as Error).message})`);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw new Error(`${path}: a folder, not a trace file`);
    const parser = new TraceParser(path);
    const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8', autoClose: false }), crlfDelay: Infinity });
    for await (const line of lines) parser.push(line);
    return parser.end();
  } finally {
    await handle.close();
  }
}
