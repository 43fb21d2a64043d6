import { nativeTtyIo, type NativeTtyIo } from './native-tty-io.js';

export interface TtyIoHandlers {
  /** A chunk read from the line; the receiver owns it. */
  data(chunk: Buffer): void;
  /** The line failed or hung up; nothing more is read or written. Called at most once. */
  failed(error: NodeJS.ErrnoException): void;
}

interface PendingWrite {
  bytes: Buffer;
  offset: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * A tty fd read and written on the event loop (see native/tty-io.c for why not fs or the tty
 * streams). Reading starts paused. The fd stays the caller's: close() this first, then the fd.
 */
export class TtyIo {
  private readonly native: NativeTtyIo;
  private readonly queue: PendingWrite[] = [];
  private ended: Error | undefined;

  constructor(fd: number, private readonly handlers: TtyIoHandlers) {
    const NativeTtyIo = nativeTtyIo();
    this.native = new NativeTtyIo(
      fd,
      (chunk) => this.handlers.data(chunk),
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
      this.queue.push({ bytes, offset: 0, resolve, reject });
      if (this.queue.length === 1) this.pump();
    });
  }

  /** Stops all I/O; pending writes reject. Idempotent. */
  close(): void {
    this.end(new Error('closed while a write was pending'));
  }

  private pump(): void {
    for (let head = this.queue[0]; head && !this.ended; head = this.queue[0]) {
      try {
        head.offset += this.native.write(head.bytes, head.offset);
      } catch (error) {
        return this.fail(error as NodeJS.ErrnoException);
      }
      // The kernel is full: the native side calls pump() again once it has room.
      if (head.offset < head.bytes.length) return;
      this.queue.shift();
      head.resolve();
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
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }
}
