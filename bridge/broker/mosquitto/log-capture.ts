import { EventEmitter } from 'node:events';

/** Keeps the tail when a broker logs a lot: enough to debug a failure, bounded for long runs. */
const MAX_CHARS = 4 * 1024 * 1024;

export interface LogCapture {
  append(chunk: Buffer | string): void;
  text(): string;
  /** Emits 'line' for every complete line. */
  lines: EventEmitter;
  /** The first line (already logged or to come) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** A process's log output, as text and as a stream of lines to wait on. */
export function createLogCapture(): LogCapture {
  let text = '';
  let partial = '';
  const seen: string[] = [];
  const lines = new EventEmitter();
  return {
    lines,
    text: () => text,
    append(chunk) {
      const data = chunk.toString();
      text = (text + data).slice(-MAX_CHARS);
      const parts = (partial + data).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        seen.push(line);
        if (seen.length > 10_000) seen.shift();
        lines.emit('line', line);
      }
    },
    waitFor(pattern, timeoutMs = 10_000) {
      const earlier = seen.find((line) => pattern.test(line));
      if (earlier !== undefined) return Promise.resolve(earlier);
      return new Promise((resolve, reject) => {
        const onLine = (line: string): void => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          lines.removeListener('line', onLine);
          resolve(line);
        };
        // Safety net: the line normally comes long before.
        const timer = setTimeout(() => {
          lines.removeListener('line', onLine);
          reject(new Error(`no log line matched ${pattern} within ${timeoutMs} ms; log so far:\n${text}`));
        }, timeoutMs);
        lines.on('line', onLine);
      });
    },
  };
}
