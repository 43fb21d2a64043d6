import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { ByteLine } from '../../../streams/link/link-over-line.js';

export interface Stamped {
  at: number;
  bytes: Buffer;
}

/** An inner line with no pace of its own: records what is written, emits what a test feeds it. */
export interface FakeInner extends ByteLine {
  readonly written: Stamped[];
  /** Bytes arriving from the far side. */
  feed(bytes: Buffer): void;
  /** From now on write() returns this instead of resolving at once. */
  writeResult: (bytes: Buffer) => Promise<void>;
}

export interface VirtualRig {
  scheduler: VirtualTimeScheduler;
  inner: FakeInner;
  now(): number;
  /** Runs virtual time to `ms` in one go (promises settle only afterwards). */
  runTo(ms: number): void;
  /** Runs every timer, however far ahead. */
  runAll(): void;
  /** Runs virtual time to `ms` one timer at a time, letting promises settle after each, so awaiting code reacts at the virtual time it would in real life. */
  settleTo(ms: number): Promise<void>;
}

/** Lets every pending promise callback run: the microtask queue drains before setImmediate fires. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createVirtualRig(): VirtualRig {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);
  const written: Stamped[] = [];
  const incoming = new Subject<Buffer>();
  const inner: FakeInner = {
    written,
    data$: incoming.asObservable(),
    feed: (bytes) => incoming.next(bytes),
    writeResult: () => Promise.resolve(),
    write(bytes) {
      written.push({ at: scheduler.now(), bytes });
      return inner.writeResult(bytes);
    },
  };
  const runTo = (ms: number): void => {
    scheduler.maxFrames = ms;
    scheduler.flush();
    scheduler.frame = Math.max(scheduler.frame, ms); // flush stops at the last action; the clock still reaches ms
  };
  return {
    scheduler,
    inner,
    now: () => scheduler.now(),
    runTo,
    runAll() {
      scheduler.maxFrames = Number.POSITIVE_INFINITY;
      scheduler.flush();
    },
    async settleTo(ms) {
      await settle();
      for (let next = scheduler.actions[0]; next !== undefined && next.delay <= ms; next = scheduler.actions[0]) {
        runTo(next.delay);
        await settle();
      }
      runTo(ms);
      await settle();
    },
  };
}

/** Everything a line delivered, stamped with the virtual time it arrived. */
export function recordArrivals(data$: ByteLine['data$'], now: () => number): { arrivals: Stamped[]; bytes(): Buffer } {
  const arrivals: Stamped[] = [];
  data$.subscribe((bytes) => arrivals.push({ at: now(), bytes }));
  return { arrivals, bytes: () => Buffer.concat(arrivals.map((a) => a.bytes)) };
}

export const total = (items: readonly Stamped[]): number => items.reduce((n, s) => n + s.bytes.length, 0);

/** Time at which the n-th byte (1-based) arrived. */
export function timeOfByte(items: readonly Stamped[], n: number): number | undefined {
  let seen = 0;
  for (const s of items) {
    seen += s.bytes.length;
    if (seen >= n) return s.at;
  }
  return undefined;
}
