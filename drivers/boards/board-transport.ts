import type { Duplex } from 'node:stream';

/** How a board's MQTT clients reach the line: framed (link protocol) or raw (the line is the connection). */
export interface BoardTransport {
  /** One connection attempt to `url`, as the byte stream an MQTT client uses. Never throws: a failure is a failed stream. */
  openStream(url: string): Duplex;
  /** The board's app prints a line. */
  log(text: string): void;
  /** Resolves once what was sent has left the board (true), or not within `timeoutMs` (false). */
  drained(timeoutMs: number): Promise<boolean>;
  /** Stops everything; open streams are destroyed without an error. Idempotent. */
  stop(): void;
}
