// A one-line progress bar on stderr for long runs. Only drawn on a terminal: CI logs and pipes
// get the final summary and nothing else.

export interface Progress {
  update(done: number, note?: string): void;
  finish(): void;
}

export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const enabled = stream.isTTY === true && total > 0;
  const started = Date.now();
  let lastDraw = 0;
  const draw = (done: number, note = '') => {
    const width = 28;
    const filled = Math.round((Math.min(done, total) / total) * width);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${secs}s ${note}\x1b[K`);
  };
  return {
    update(done, note) {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return; // redraw at most 10 times a second
      lastDraw = now;
      draw(done, note);
    },
    finish() {
      if (enabled) stream.write('\r\x1b[K');
    },
  };
}
