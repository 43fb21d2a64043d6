import { Duplex } from 'node:stream';
import { Subject } from 'rxjs';
import { Reason } from '../../streams/link/protocol.js';
import { splitRawMqtt } from '../../streams/mqtt/raw-mqtt-split.js';
import type { TlsMaterial } from '../../streams/link/tls-items.js';
import { LinkConnectionError } from './link-connection-error.js';
import type { ConnectionEnd, ConnectionHandlers, LinkConnection, OpenConnection } from './link-connection.js';

export interface ConnectionStreamOptions {
  url: string;
  /** The app's TLS settings for this connection, if it gave any. */
  tls?: TlsMaterial;
  open: OpenConnection;
  /** Calls `fn` once the link can take more; holding write callbacks until then is the backpressure. */
  whenFlowing(fn: () => void): void;
  /** Largest packet the client may write. */
  maxPacketBytes: number;
}

/** The broker ended its side cleanly, as with a TCP FIN: the client sees the stream end, no error. */
const isBrokerFin = (end: ConnectionEnd): boolean =>
  end.by === 'host' && !end.failed && (end.reason === Reason.NORMAL || end.reason === Reason.BROKER_CLOSED);

/**
 * One link connection as the byte stream an MQTT client writes to and reads from, as it would a
 * TCP socket: written bytes (a packet in several writes, or several packets in one) are cut into
 * whole packets for the link; packets from the broker are pushed as bytes. Ending or destroying
 * the stream closes the connection (CLOSE); the connection ending ends or destroys the stream.
 */
export function openConnectionStream(options: ConnectionStreamOptions): Duplex {
  const written = new Subject<Buffer>();
  let connection: LinkConnection | undefined;

  const stream = new Duplex({
    read() {
      // Nothing to pull: the link pushes packets as they arrive (it holds no more than its window).
    },
    write(chunk: Buffer, _encoding, done) {
      written.next(chunk);
      options.whenFlowing(() => done());
    },
    final(done) {
      connection?.close();
      stream.push(null);
      done();
    },
    destroy(error, done) {
      written.complete();
      connection?.close();
      done(error);
    },
  });

  written.pipe(splitRawMqtt({ maxPacketBytes: options.maxPacketBytes })).subscribe((event) => {
    if (event.type === 'packet') return connection?.send(event.bytes);
    const end: ConnectionEnd = { by: 'board', failed: false, reason: Reason.PROTOCOL_ERROR, text: `the client wrote ${event.error} MQTT: ${event.detail}` };
    stream.destroy(new LinkConnectionError(connection?.connId, options.url, end));
  });

  try {
    connection = options.open(options.url, handlers(stream, options.url, () => connection), options.tls);
  } catch (error) {
    // No connection id free: like a socket that cannot be created, the attempt fails at once.
    const text = error instanceof Error ? error.message : String(error);
    stream.destroy(new LinkConnectionError(undefined, options.url, { by: 'board', failed: true, reason: Reason.TOO_MANY_CONNECTIONS, text }));
  }
  return stream;
}

/** The link side's view of the stream: packets become readable bytes, the connection's end its end. */
function handlers(stream: Duplex, url: string, connection: () => LinkConnection | undefined): ConnectionHandlers {
  return {
    opened: () => undefined,
    packet: (bytes) => {
      if (!stream.destroyed) stream.push(bytes);
    },
    ended: (end) => {
      if (stream.destroyed || (end.by === 'board' && !end.failed)) return; // the stream itself asked for it
      if (end.by === 'stopped') return void stream.destroy(); // the board is gone: nothing more is read
      if (!isBrokerFin(end)) return void stream.destroy(new LinkConnectionError(connection()?.connId, url, end));
      // What arrived before the FIN is still read, then the stream closes.
      stream.once('end', () => stream.destroy());
      stream.push(null);
    },
  };
}

/** A stream that fails at once, for a connection that cannot even be attempted. */
export function failedStream(error: Error): Duplex {
  const stream = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
  stream.destroy(error);
  return stream;
}
