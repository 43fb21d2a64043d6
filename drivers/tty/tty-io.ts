import { nativeTtyIo, type NativeTtyIo } from './native-tty-io.js';

export interface TtyIoHandlers {
  /** A chunk read from the line; the receiver owns it. */
  data(chunk: Buffer): void;
  /** The line failed or hung up; nothing more is read or written. Called at most once. */
  failed(error: NodeJS.ErrnoException): void;
}

interface PendingWrite {
  bytes: Buffer;
  resolve(): void;
  reject(error: Error): void;
}

/** What is being written now: one or more queued writes joined into one buffer. */
interface Batch {
  bytes: Buffer;
  offset: number;
  writes: PendingWrite[];
}

// Writes queued in one event-loop turn go out in one write(2), up to this size.
const BATCH_BYTES = 64 * 1024;

/**
 * A tty fd read and written on the event loop (see native/tty-io.c for why not fs or the tty
 * streams). Reading starts paused. The fd stays the caller's: close() this first, then the fd.
 */
export class TtyIo {
  private readonly native: NativeTtyIo;
  private readonly queue: PendingWrite[] = [];
  private batch: Batch | undefined;
  private pumpScheduled = false;
  /** A write went straight to the kernel this turn: the rest of the turn's writes batch. */
  private wroteThisTurn = false;
  private ended: Error | undefined;

  constructor(fd: number, private readonly handlers: TtyIoHandlers) {
    const NativeTtyIo = nativeTtyIo();
    this.native = new NativeTtyIo(
      fd,
      (slab, offset, length) => this.handlers.data(Buffer.from(slab, offset, length)),
      () => this.pump(),
      (error) => this.fail(error),
    );
  }

  setReading(on: boolean): void {
    if (!this.ended) this.native.setReading(on);
  }

  /** Resolves once the kernel has taken every byte; writes keep their order. */
  write(bytes: Buffer): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const write: PendingWrite = { bytes, resolve, reject };
      // The first write of a turn, with nothing ahead of it, goes to the kernel now: a lone
      // packet (the usual case below a flood) would otherwise wait behind the rest of the
      // turn's work. Writes made after it in the same turn still gather into one write(2).
      if (!this.wroteThisTurn && this.batch === undefined && this.queue.length === 0) this.writeNow(write);
      else this.enqueue(write);
    });
  }

  private writeNow(write: PendingWrite): void {
    this.wroteThisTurn = true;
    queueMicrotask(this.endTurn);
    let taken: number;
    try {
      taken = this.native.write(write.bytes, 0);
    } catch {
      // Reported from the deferred pump, which meets the same error: never from inside the
      // caller's write(), whose caller may not expect the line to be lost under it.
      return this.enqueue(write);
    }
    if (taken === write.bytes.length) return write.resolve();
    // The kernel is full: the native side calls pump() again once it has room.
    this.batch = { bytes: write.bytes, offset: taken, writes: [write] };
  }

  private readonly endTurn = (): void => {
    this.wroteThisTurn = false;
  };

  private enqueue(write: PendingWrite): void {
    this.queue.push(write);
    // Deferred to the end of this turn, so that every write made in it can join one batch.
    if (!this.pumpScheduled && this.batch === undefined) {
      this.pumpScheduled = true;
      queueMicrotask(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  /**
   * Drops every write not yet in the kernel (they reject with `error`); I/O goes on. For a
   * line whose reader went away: what was queued for it must not reach the next one.
   */
  discardPending(error: Error): void {
    if (this.ended) return;
    // A batch the kernel took part of is dropped too: its tail would start the next reader mid-frame.
    const pending = [...(this.batch?.writes ?? []), ...this.queue.splice(0)];
    this.batch = undefined;
    for (const p of pending) p.reject(error);
  }

  /** Stops all I/O; pending writes reject. Idempotent. */
  close(): void {
    this.end(new Error('closed while a write was pending'));
  }

  private nextBatch(): Batch | undefined {
    if (this.queue.length === 0) return undefined;
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || bytes + this.queue[count].bytes.length <= BATCH_BYTES)) {
      bytes += this.queue[count].bytes.length;
      count++;
    }
    const writes = this.queue.splice(0, count);
    return { bytes: count === 1 ? writes[0].bytes : Buffer.concat(writes.map((w) => w.bytes), bytes), offset: 0, writes };
  }

  private pump(): void {
    while (!this.ended) {
      this.batch ??= this.nextBatch();
      const batch = this.batch;
      if (batch === undefined) return;
      try {
        batch.offset += this.native.write(batch.bytes, batch.offset);
      } catch (error) {
        return this.fail(error as NodeJS.ErrnoException);
      }
      // The kernel is full: the native side calls pump() again once it has room.
      if (batch.offset < batch.bytes.length) return;
      this.batch = undefined;
      for (const w of batch.writes) w.resolve();
    }
  }

  private fail(error: NodeJS.ErrnoException): void {
    if (this.ended) return;
    this.end(error);
    this.handlers.failed(error);
  }

  private end(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    this.native.close();
    const pending = [...(this.batch?.writes ?? []), ...this.queue.splice(0)];
    this.batch = undefined;
    for (const p of pending) p.reject(error);
  }
}
