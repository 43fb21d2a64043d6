import type { SchedulerLike, Subscription } from 'rxjs';
import { createByteFaults } from './byte-faults.js';
import type { DirectionSettings } from './line-model-options.js';
import { createReleasedBytes } from './released-bytes.js';
import { createWireClock } from './wire-clock.js';

/** One direction of the line. `bytes` reached the far side; drops took their slot but did not. */
export interface DirectionStats {
  bytes: number;
  bitErrors: number;
  drops: number;
  stalls: number;
  stalledMs: number;
  /** Bytes waiting for their slot now. */
  queued: number;
}

/** Settles a write once its bytes were handed on. */
export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export interface LinePipeOptions {
  scheduler: SchedulerLike;
  random: () => number;
  settings: DirectionSettings;
  /** Hands released bytes on; if it returns a promise, the writers of those bytes wait for it. */
  handOn(bytes: Buffer): Promise<void> | void;
}

export interface LinePipe {
  push(bytes: Buffer, waiter?: Waiter): void;
  configure(settings: DirectionSettings): void;
  stats(): DirectionStats;
  /** Drops what is queued, even half a chunk, and rejects its writers; the pipe stays usable. Returns the bytes dropped. */
  dropQueued(error: Error): number;
  /** Drops what is queued; waiting writers are rejected with `error`. */
  close(error: Error): void;
}

interface Queued {
  bytes: Buffer;
  offset: number;
  waiter: Waiter | undefined;
  /** Hand-ons that carried some of these bytes: the write settles when they all have. */
  handed: Promise<void>[];
}

const noop = (): void => undefined;

/**
 * One direction of a line model: a FIFO of chunks released byte slot by byte slot as the wire
 * clock allows, with faults applied as bytes pass. Each release hands on one buffer, so a
 * consumer sees at most a burst (or what a late timer owes) per turn, as from a real UART.
 */
export function createLinePipe(options: LinePipeOptions): LinePipe {
  const { scheduler, handOn } = options;
  const clock = createWireClock(options.settings.baud, options.settings.burstBytes);
  const faults = createByteFaults(options.random, options.settings.faults);
  const queue: Queued[] = [];
  let queuedBytes = 0;
  let passed = 0;
  let headDecided = false; // the head byte's stall was drawn: draw once per byte, not per attempt
  let timer: Subscription | undefined;
  let pumping = false;
  let again = false;
  let closed = false;
  // Writers settle in write order even if hand-ons were to settle out of order.
  let settledSoFar: Promise<unknown> = Promise.resolve();

  function pump(): void {
    if (pumping) {
      again = true; // re-entered from a consumer: the running pump goes round once more
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        releaseDue();
      } while (again && !closed);
    } finally {
      pumping = false;
    }
    rearm();
  }

  function releaseDue(): void {
    const now = scheduler.now();
    const out = createReleasedBytes();
    const touched: Queued[] = [];
    const finished: Queued[] = [];
    while (queue.length > 0) {
      const head = queue[0];
      if (!headDecided) {
        const stallMs = faults.stallBefore();
        if (stallMs > 0) clock.stall(now, stallMs);
        headDecided = true;
      }
      const room = clock.releasable(now);
      if (room < 1) break;
      const n = Math.min(head.bytes.length - head.offset, room, faults.perByteTiming ? 1 : Number.POSITIVE_INFINITY);
      passed += faults.pass(head.bytes, head.offset, head.offset + n, out);
      clock.take(n);
      head.offset += n;
      queuedBytes -= n;
      headDecided = false;
      if (touched[touched.length - 1] !== head) touched.push(head);
      if (head.offset === head.bytes.length) finished.push(queue.shift()!);
    }
    if (touched.length === 0) return;
    const handed = out.length > 0 ? handOnSafely(out.build()) : undefined;
    if (handed) {
      handed.catch(noop); // the writers see the error; nobody else must trip over it
      for (const q of touched) if (q.waiter) q.handed.push(handed);
    }
    for (const q of finished) settle(q);
  }

  function handOnSafely(bytes: Buffer): Promise<void> | undefined {
    try {
      return handOn(bytes) ?? undefined;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function settle(q: Queued): void {
    const waiter = q.waiter;
    if (!waiter) return;
    const done = Promise.all([settledSoFar, ...q.handed]);
    settledSoFar = done.then(noop, noop);
    done.then(() => waiter.resolve(), (error: unknown) => waiter.reject(error));
  }

  function dropQueued(error: Error): number {
    const dropped = queuedBytes;
    timer?.unsubscribe();
    timer = undefined;
    for (const q of queue.splice(0)) q.waiter?.reject(error);
    queuedBytes = 0;
    headDecided = false;
    return dropped;
  }

  function rearm(): void {
    timer?.unsubscribe();
    timer = undefined;
    if (closed || queue.length === 0) return;
    const delay = Math.max(0, clock.nextReleaseAt() - scheduler.now());
    timer = scheduler.schedule(() => {
      timer = undefined;
      pump();
    }, delay);
  }

  return {
    push(bytes, waiter) {
      if (closed) {
        waiter?.reject(new Error('line model is closed'));
        return;
      }
      const wasEmpty = queue.length === 0;
      if (wasEmpty) clock.wake(scheduler.now());
      queue.push({ bytes, offset: 0, waiter, handed: [] });
      queuedBytes += bytes.length;
      // A non-empty queue already has its timer; only the first chunk can be due at once.
      if (wasEmpty) pump();
    },
    configure(settings) {
      clock.retune(settings.baud, settings.burstBytes);
      faults.setRates(settings.faults);
      if (!closed) pump();
    },
    stats: () => ({ bytes: passed, ...faults.counts, queued: queuedBytes }),
    dropQueued,
    close(error) {
      if (closed) return;
      closed = true;
      dropQueued(error);
    },
  };
}
