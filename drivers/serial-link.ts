import type { Observable } from 'rxjs';

// One interface for every way a board's serial line reaches the host, after node-serialport's
// binding interface: real devices, a pty the bridge owns, a remote serial server, and an
// in-memory pair for unit tests are siblings behind it.

export type SerialLinkState =
  | { type: 'closed' }
  | { type: 'opening' }
  | { type: 'opened' }
  /** The line went away without close() being called: unplugged, reset, remote end closed. */
  | { type: 'lost'; error: Error };

export interface SerialLink {
  /** What the link is attached to, for logs and errors: "/dev/ttyACM0", "tcp://10.0.0.5:4001". */
  readonly description: string;
  /**
   * Bytes as they arrive. Hot and long-lived: it spans re-opens, so subscribe once. Chunks are
   * owned by the subscriber (never reused by the link). Never errors: failures are states.
   */
  readonly data$: Observable<Buffer>;
  /** State changes; a new subscriber first receives the current state. */
  readonly state$: Observable<SerialLinkState>;
  /** Rejects with an Error whose message names the device and the cause. */
  open(): Promise<void>;
  /**
   * Queues bytes for the line. Resolves once the OS has taken them (drain), so awaiting each
   * write bounds what sits in memory; calls may overlap and keep their order. Rejects if the
   * link is not open or is lost meanwhile.
   */
  write(bytes: Buffer): Promise<void>;
  /** Idempotent; resolves when the device is released. */
  close(): Promise<void>;
}
