import type { Observable } from 'rxjs';

export interface ByteRecorder {
  /** Everything received so far, in order. */
  bytes(): Buffer;
  readonly length: number;
  /** Resolves with bytes() once at least n bytes have arrived; the timeout is only a safety net. */
  waitFor(n: number, timeoutMs?: number): Promise<Buffer>;
  /** Whether the observable errored or completed, which a link's data$ must never do. */
  readonly ended: boolean;
  stop(): void;
}

export function recordBytes(data$: Observable<Buffer>): ByteRecorder {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const subscription = data$.subscribe({
    next: (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
      for (const check of [...waiters]) check();
    },
    error: () => (ended = true),
    complete: () => (ended = true),
  });
  const bytes = (): Buffer => Buffer.concat(chunks);
  return {
    bytes,
    get length() {
      return length;
    },
    get ended() {
      return ended;
    },
    waitFor(n, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`received only ${length} of ${n} bytes within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(bytes());
        };
        waiters.add(check);
        check();
      });
    },
    stop: () => subscription.unsubscribe(),
  };
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
export function patternBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Index of the first differing byte, or -1; cheaper to report than a 1 MiB diff. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** All 256 byte values, then the ones a cooked tty would eat or rewrite. */
export function awkwardBytes(): Buffer {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  // NUL, LF, CR, XON, XOFF, ^C, CR LF, LF CR, ^D (EOF), ^Z, ^\ (QUIT), DEL, ^U, ^W, ^V, ^R.
  const special = Buffer.from([0x00, 0x0a, 0x0d, 0x11, 0x13, 0x03, 0x0d, 0x0a, 0x0a, 0x0d, 0x04, 0x1a, 0x1c, 0x7f, 0x15, 0x17, 0x16, 0x12, 0x13, 0x13, 0x11]);
  return Buffer.concat([all, special, all.reverse()]);
}

export async function writeInChunks(
  sink: { write(b: Buffer): Promise<void> },
  data: Buffer,
  chunkSize: number,
  onWritten: (bytes: number) => void = () => undefined,
): Promise<void> {
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    const chunk = data.subarray(offset, offset + chunkSize);
    await sink.write(chunk);
    onWritten(chunk.length);
  }
}
