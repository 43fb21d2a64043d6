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
  /**
   * The program at the far end closed the line while the link itself stays open for the next
   * one (a pty the bridge owns), with what happened. Only links that can tell have it; for a
   * tty the board's end closing is a hang-up, reported as 'lost'.
   */
  readonly peerClosed$?: Observable<string>;
  /** Rejects with an Error whose message names the device and the cause. */
  open(): Promise<void>;
  /**
   * Queues bytes for the line. Resolves once the OS has taken them (drain), so awaiting each
   * write bounds what sits in memory; calls may overlap and keep their order. Rejects if the
   * link is not open or is lost meanwhile.
   */
  write(bytes: Buffer): Promise<void>;
  /**
   * Read flow control. While paused data$ emits nothing and the driver stops reading from the
   * OS, so the line itself pushes back: a tty's buffer fills (and with rtscts, RTS drops), a
   * TCP window closes, a pty's writer blocks. Bytes the driver had already read are held and
   * arrive after resumeReading() (close() drops them). Idempotent; the pause outlives close()
   * and a re-open. While paused a TCP link only notices the far end closing on resume or on
   * a write, since the close comes after the unread data; a tty notices a hang-up at once.
   */
  pauseReading(): void;
  /** Ends a pause; idempotent. Held bytes arrive on a later turn, never inside this call. */
  resumeReading(): void;
  /** Idempotent; resolves when the device is released. */
  close(): Promise<void>;
}
