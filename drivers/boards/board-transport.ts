import type { Duplex } from 'node:stream';
import type { TlsMaterial } from '../../streams/link/tls-items.js';

/** How a board's MQTT clients reach the line: framed (link protocol) or raw (the line is the connection). */
export interface BoardTransport {
  /**
   * One connection attempt to `url`, as the byte stream an MQTT client uses, with the app's TLS
   * settings if it gave any. Never throws: a failure is a failed stream.
   */
  openStream(url: string, tls?: TlsMaterial): Duplex;
  /** The board's app prints a line. */
  log(text: string): void;
  /** Resolves once what was sent has left the board (true), or not within `timeoutMs` (false). */
  drained(timeoutMs: number): Promise<boolean>;
  /** Stops everything; open streams are destroyed without an error. Idempotent. */
  stop(): void;
}
