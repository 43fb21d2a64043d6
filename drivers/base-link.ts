import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { SerialLink, SerialLinkState } from './serial-link.js';

/**
 * The lifecycle every driver shares, so that each driver only says how to open, write and
 * release its device. Writes are tracked here because a device that goes away (or a close)
 * can leave the driver's own callbacks pending forever: serialport, for one, parks writes
 * until the next 'open'.
 */
export abstract class BaseLink implements SerialLink {
  abstract readonly description: string;
  private readonly dataSubject = new Subject<Buffer>();
  private readonly stateSubject = new BehaviorSubject<SerialLinkState>({ type: 'closed' });
  readonly data$: Observable<Buffer> = this.dataSubject.asObservable();
  readonly state$: Observable<SerialLinkState> = this.stateSubject.asObservable();
  private paused = false;
  /** Chunks a driver delivered after a pause began, or while earlier ones wait to go out. */
  private held: Buffer[] = [];
  private flushScheduled = false;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly pendingWrites = new Set<(error: Error) => void>();

  /** Acquires the device; rejects with an Error naming the device and the cause. */
  protected abstract doOpen(): Promise<void>;
  /** Settles once the OS has taken the bytes. Only called while opened. */
  protected abstract doWrite(bytes: Buffer): Promise<void>;
  /** Releases whatever doOpen acquired; must tolerate a device that is already gone. */
  protected abstract doClose(): Promise<void>;
  /**
   * Stops or restarts reading from the OS. Called on every change, open or not; a driver that
   * opens later starts as readingPaused says.
   */
  protected abstract applyReadingPaused(paused: boolean): void;

  get state(): SerialLinkState {
    return this.stateSubject.value;
  }

  protected get readingPaused(): boolean {
    return this.paused;
  }

  pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.applyReadingPaused(true);
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.applyReadingPaused(false);
    this.scheduleFlush();
  }

  open(): Promise<void> {
    if (this.state.type === 'opened') return Promise.resolve();
    this.opening ??= this.runOpen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  write(bytes: Buffer): Promise<void> {
    if (!Buffer.isBuffer(bytes)) {
      return Promise.reject(new TypeError(`${this.description}: write() takes a Buffer`));
    }
    const state = this.state;
    if (state.type !== 'opened') return Promise.reject(this.notOpenError(state));
    if (bytes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // reject itself, not an arrow around it: under tsx (as the benches run the bridge) every
      // named arrow costs a defineProperty, here one per write.
      const fail: (error: Error) => void = reject;
      this.pendingWrites.add(fail);
      this.doWrite(bytes).then(
        () => {
          if (this.pendingWrites.delete(fail)) resolve();
        },
        (error: unknown) => {
          if (!this.pendingWrites.delete(fail)) return;
          reject(new Error(`${this.description}: write failed: ${messageOf(error)}`, { cause: error }));
        },
      );
    });
  }

  close(): Promise<void> {
    this.closing ??= this.runClose().finally(() => {
      this.closing = undefined;
    });
    return this.closing;
  }

  protected emitData(chunk: Buffer): void {
    // Drivers stop reading when told, but a read already under way may still land.
    if (this.paused || this.held.length > 0) this.held.push(chunk);
    else this.dataSubject.next(chunk);
  }

  /** The device went away on its own. Ignored unless opened: a close in progress wins. */
  protected lose(error: Error): void {
    if (this.state.type !== 'opened') return;
    this.failPendingWrites(error);
    this.setState({ type: 'lost', error });
  }

  private async runOpen(): Promise<void> {
    await this.closing;
    // A lost device may still hold resources (fds, listeners) until released.
    if (this.state.type === 'lost') await this.doClose().catch(() => undefined);
    // Bytes from a previous session must not reach the consumer of this one.
    this.held = [];
    this.setState({ type: 'opening' });
    try {
      await this.doOpen();
    } catch (error) {
      this.setState({ type: 'closed' });
      throw error;
    }
    this.setState({ type: 'opened' });
  }

  private async runClose(): Promise<void> {
    await this.opening?.catch(() => undefined);
    if (this.state.type === 'closed') return;
    this.failPendingWrites(new Error(`${this.description}: link closed while a write was pending`));
    this.held = [];
    try {
      await this.doClose();
    } finally {
      this.setState({ type: 'closed' });
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.held.length === 0) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      while (!this.paused && this.held.length > 0) this.dataSubject.next(this.held.shift()!);
    });
  }

  private failPendingWrites(error: Error): void {
    const pending = [...this.pendingWrites];
    this.pendingWrites.clear();
    for (const fail of pending) fail(error);
  }

  private setState(state: SerialLinkState): void {
    if (state.type !== this.state.type) this.stateSubject.next(state);
  }

  private notOpenError(state: SerialLinkState): Error {
    if (state.type === 'lost') {
      return new Error(`${this.description}: cannot write: link lost (${state.error.message})`, {
        cause: state.error,
      });
    }
    return new Error(`${this.description}: cannot write: link is not open (${state.type})`);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
