import type { DownCause, UpCause } from '../../streams/link/link-types.js';

/** Who ended a connection: the board's app, the host (CLOSED), the link (reset), bad MQTT from the host, or the board stopping. */
export type ConnectionCloser = 'board' | 'host' | 'link' | 'protocol' | 'stopped';

/**
 * What a virtual board reports, for tests and demos. `connId` is absent in raw mode, where the
 * line carries one connection and no ids. Reasons are link Reason codes (docs/link-protocol.md
 * 3.1), with their names for readable logs.
 */
export type BoardEvent =
  | { type: 'link-up'; cause: UpCause; host: { id: string; firmware: string; mtu: number; window: number } }
  | { type: 'link-down'; cause: DownCause; detail: string }
  /** Something the host sent that the board could not use, or a command the link refused. */
  | { type: 'link-error'; detail: string }
  | { type: 'connection-opening'; connId?: number; url: string }
  | { type: 'connection-opened'; connId?: number; url: string }
  | { type: 'connection-failed'; connId?: number; url: string; reason: number; reasonName: string; text: string }
  | { type: 'connection-closed'; connId?: number; url: string; by: ConnectionCloser; reason: number; reasonName: string; text: string }
  /** Text on the board's receive line that was not a frame. */
  | { type: 'console'; text: string }
  /** LOG-channel text: printed by the board's app, or sent by the host. */
  | { type: 'log'; from: 'board' | 'host'; text: string }
  | { type: 'stopped'; how: 'close' | 'cut' };
