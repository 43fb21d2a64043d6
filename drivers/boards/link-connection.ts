import type { TlsMaterial } from '../../streams/link/tls-items.js';
import type { ConnectionCloser } from './board-events.js';

// One MQTT connection carried over the link, at packet level: the seam between the link side of
// a board (board-connections.ts) and whatever plays the board's MQTT client on top of it, MQTT.js
// today, a model of the DL-7450 `mqtt` module later.

export type ConnectionState = 'waiting-for-link' | 'opening' | 'open' | 'ended';

export interface ConnectionEnd {
  by: ConnectionCloser;
  /** OPEN_FAILED (or refused before it was sent): the connection never opened. */
  failed: boolean;
  /** Link Reason code. */
  reason: number;
  text: string;
}

/** Called by the link side; `ended` is called exactly once, and nothing after it. */
export interface ConnectionHandlers {
  opened(): void;
  /** One whole MQTT packet from the broker. */
  packet(bytes: Buffer): void;
  ended(end: ConnectionEnd): void;
}

export interface LinkConnection {
  readonly connId: number;
  readonly url: string;
  readonly state: ConnectionState;
  /** One whole MQTT packet to the broker; held until OPENED, dropped once ended. */
  send(packet: Buffer): void;
  /** The app closes the connection (CLOSE goes out if OPEN did). Idempotent. */
  close(): void;
}

/** `tls`: the app's TLS settings, sent ahead of the OPEN (protocol 3.1.1). */
export type OpenConnection = (url: string, handlers: ConnectionHandlers, tls?: TlsMaterial) => LinkConnection;
