import { Duplex } from 'node:stream';
import type { Subscription } from 'rxjs';
import type { ByteLine } from '../../streams/link/link-over-line.js';

/** The line refused bytes; `code` set so that MQTT.js reports it as it would a socket error. */
export class LineWriteError extends Error {
  readonly code = 'ELINE_WRITE';
  constructor(cause: unknown) {
    super(`the board's line refused a write: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'LineWriteError';
  }
}

/**
 * Raw mode: the line itself is the MQTT connection, bytes both ways with no framing. Bytes that
 * arrive while no stream is open are lost, as on a wire nobody listens to. Ending or destroying
 * the stream only stops reading: the line belongs to the board, not to one connection.
 */
export function openRawLineStream(line: ByteLine): Duplex {
  let reading: Subscription | undefined;
  const stream = new Duplex({
    read() {
      // The line pushes; a serial line cannot be paused either.
    },
    write(chunk: Buffer, _encoding, done) {
      // Waiting for the line (the OS took the bytes) is the backpressure.
      line.write(chunk).then(
        () => done(),
        (error: unknown) => done(new LineWriteError(error)),
      );
    },
    final(done) {
      reading?.unsubscribe();
      stream.push(null);
      done();
    },
    destroy(error, done) {
      reading?.unsubscribe();
      done(error);
    },
  });
  reading = line.data$.subscribe((chunk) => {
    if (!stream.destroyed) stream.push(chunk);
  });
  return stream;
}
