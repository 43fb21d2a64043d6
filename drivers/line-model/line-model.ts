import { asyncScheduler, Subject, type Observable } from 'rxjs';
import { randomInt } from 'node:crypto';
import { seededRandom } from '../../streams/faults/line-faults.js';
import type { ByteLine } from '../../streams/link/link-over-line.js';
import { createLinePipe, type DirectionStats } from './line-pipe.js';
import { checkLineModelSettings, checkSeed, mergeSettings, resolveLineModel, type LineModelOptions, type LineModelSettings } from './line-model-options.js';

export type { ByteFaultRates, LineModelOptions, LineModelSettings } from './line-model-options.js';
export type { DirectionStats } from './line-pipe.js';

export interface LineStats {
  /** The PRNG seed: give it back as `seed` to replay this run's faults. */
  seed: number;
  /** Bytes written: write() -> the inner line. */
  tx: DirectionStats;
  /** Bytes read: the inner line -> data$. */
  rx: DirectionStats;
}

export interface LineModel extends ByteLine {
  stats(): LineStats;
  /** Changes rate, burst or faults from now on; merged over the current settings (fault groups key by key). */
  setOptions(partial: LineModelSettings): void;
  /**
   * Drops the bytes still waiting to go out, mid-frame if need be, as a power cut stops a UART:
   * the far side sees a frame end at an arbitrary byte. Writers of those bytes are rejected.
   * The model stays usable (the board boots again on the same line). Returns the bytes dropped.
   */
  dropUnsent(): number;
  /** Stops the model: queued bytes are dropped, pending writes rejected, data$ completes. The inner line is left open. */
  close(): void;
}

/**
 * A serial line's pace and flaws put on a line that has neither (a pty, a memory link): bytes
 * cross at `baud` with 8N1 framing in each direction independently, and may be flipped, dropped
 * or held up by a stall, from a seeded PRNG so that a run replays. write() resolves once its
 * bytes were handed to the inner line (and the inner write resolved), so awaiting writes paces
 * a writer at the line rate, as a UART's drain does. data$ is hot, like a wire: bytes released
 * while nobody listens are gone.
 */
export function createLineModel(inner: ByteLine, options: LineModelOptions = {}): LineModel {
  checkLineModelSettings(options);
  checkSeed(options.seed);
  if (options.scheduler !== undefined && typeof options.scheduler?.schedule !== 'function') {
    throw new TypeError('line model option "scheduler" must be an RxJS SchedulerLike');
  }
  const { seed: givenSeed, scheduler: givenScheduler, ...given } = options;
  let settings: LineModelSettings = given;
  const resolved = resolveLineModel(settings);
  const scheduler = givenScheduler ?? asyncScheduler;
  const seed = givenSeed ?? randomInt(2 ** 32);
  const received = new Subject<Buffer>();
  let closed = false;

  const tx = createLinePipe({ scheduler, random: seededRandom(seed), settings: resolved.tx, handOn: (bytes) => inner.write(bytes) });
  // mulberry32's state is a counter, so seed + 2^31 gives the same sequence 2^31 draws on:
  // the two directions never share a draw in any run that could be replayed.
  const rx = createLinePipe({ scheduler, random: seededRandom((seed + 0x8000_0000) >>> 0), settings: resolved.rx, handOn: (bytes) => received.next(bytes) });

  const stop = (): void => {
    closed = true;
    const error = new Error('line model closed with bytes still queued');
    tx.close(error);
    rx.close(error);
  };

  // A copy: the chunk waits in the queue, and the inner line may reuse or share it meanwhile.
  const reading = inner.data$.subscribe({
    next: (chunk) => rx.push(Buffer.from(chunk)),
    // The inner line ended: bytes still on the wire are lost, as when a cable is cut.
    error: (error: unknown) => {
      stop();
      received.error(error);
    },
    complete: () => {
      stop();
      received.complete();
    },
  });

  return {
    data$: received.asObservable() as Observable<Buffer>,
    write(bytes) {
      if (!Buffer.isBuffer(bytes)) return Promise.reject(new TypeError('line model: write() takes a Buffer'));
      if (closed) return Promise.reject(new Error('line model is closed'));
      if (bytes.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => tx.push(bytes, { resolve, reject }));
    },
    stats: () => ({ seed, tx: tx.stats(), rx: rx.stats() }),
    dropUnsent: () => tx.dropQueued(new Error('line model: the unsent bytes were dropped (power cut)')),
    setOptions(partial) {
      if (typeof partial !== 'object' || partial === null) throw new TypeError('line model setOptions() takes an object');
      for (const fixed of ['seed', 'scheduler']) {
        if (Object.hasOwn(partial, fixed)) throw new TypeError(`line model option "${fixed}" is fixed when the model is created`);
      }
      checkLineModelSettings(partial);
      const next = mergeSettings(settings, partial);
      const r = resolveLineModel(next); // throws before anything changes
      settings = next;
      tx.configure(r.tx);
      rx.configure(r.rx);
    },
    close() {
      if (closed) return;
      stop();
      reading.unsubscribe();
      received.complete();
    },
  };
}
