import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { TraceRecord } from './trace-format.js';

/** The trace as JSON Lines, streamed: a long run's trace need not fit in one string. */
export async function writeTrace(path: string, records: Iterable<TraceRecord>): Promise<void> {
  const out = createWriteStream(path);
  const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined);
  for (const r of records) {
    if (!out.write(`${JSON.stringify(r)}\n`)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}
