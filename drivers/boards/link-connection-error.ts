import { reasonName } from '../../streams/link/protocol.js';
import type { ConnectionEnd } from './link-connection.js';

/**
 * A board connection that failed or was cut off, as the error its MQTT client sees. `code` is
 * set (E + the reason's name, like ECONNREFUSED for a socket) because MQTT.js only reports
 * stream errors that carry one.
 */
export class LinkConnectionError extends Error {
  readonly code: string;
  readonly reasonName: string;

  constructor(
    readonly connId: number | undefined,
    readonly url: string,
    readonly end: ConnectionEnd,
  ) {
    const name = reasonName(end.reason);
    const which = connId === undefined ? `connection to ${url}` : `connection ${connId} to ${url}`;
    super(`${which} ${end.failed ? 'could not open' : 'was closed'}: ${name}${end.text ? ` (${end.text})` : ''}`);
    this.name = 'LinkConnectionError';
    this.code = `E${name.toUpperCase()}`;
    this.reasonName = name;
  }

  /** The link Reason code (OPEN_FAILED / CLOSED, or the board's own verdict). */
  get reason(): number {
    return this.end.reason;
  }

  get text(): string {
    return this.end.text;
  }
}
