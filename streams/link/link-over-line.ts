import { endWith, ignoreElements, merge, Observable, share, takeUntil, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { aroundEach } from '../flow/around-each.js';
import { deframe } from '../framing/deframe.js';
import { encodeFrame, type Frame } from '../framing/frame.js';
import type { LineStamper } from '../timing/line-arrival.js';
import type { LineFaults } from '../faults/line-faults.js';
import { linkEndpoint, type LinkCommand, type LinkEndpointOptions, type LinkInput, type LinkOutput } from './link-endpoint.js';

const READ_OPEN: LinkInput = { type: 'read', open: true };
const READ_CLOSE: LinkInput = { type: 'read', open: false };

/** The two things a link endpoint needs from a serial line (a SerialLink has both). */
export interface ByteLine {
  readonly data$: Observable<Buffer>;
  write(bytes: Buffer): Promise<void>;
}

export interface LinkOverLineOptions extends LinkEndpointOptions {
  /** The line's chunks are handed over (sole consumer): decode in place. */
  ownsChunks?: boolean;
  /** Damage outgoing frames, for self-tests and fault injection. */
  lineFaults?: LineFaults;
  /** A write the line refused; the line's own state reports why. Ignored by default. */
  onWriteError?: (error: unknown) => void;
  /** Stamps when frames come off the line (streams/timing). */
  stamper?: LineStamper;
  /** Each frame handed to the line, and its write settling (for drain stamps). */
  onFrameWritten?: (frame: Frame, written: Promise<void>) => void;
}

/**
 * A link endpoint running on a serial line: bytes in -> deframe -> endpoint; frames out ->
 * encode -> line. Cold: subscribing starts the endpoint (HELLO goes out). It runs until
 * commands$ completes, then emits its final stats and completes. Emits every endpoint output,
 * `tx` included; the frames of one event-loop turn reach the line in one write as the turn
 * ends (onFrameWritten tells when). commands$ should be hot (a Subject).
 */
export function linkOverLine(line: ByteLine, commands$: Observable<LinkCommand>, options: LinkOverLineOptions): Observable<LinkOutput> {
  const { ownsChunks, lineFaults, onWriteError, stamper, onFrameWritten, ...endpoint } = options;
  const refused = onWriteError ?? (() => undefined);
  const send = (bytes: Buffer): Promise<void> => {
    let written: Promise<void>;
    try {
      written = line.write(bytes);
    } catch (error) {
      // From a microtask (flush) a throw would take the whole process down.
      written = Promise.reject(error);
    }
    written.catch(refused);
    return written;
  };
  return new Observable<LinkOutput>((subscriber) => {
    // The frames of one turn go to the line in one write, at the end of the turn: a write
    // costs a promise chain here and in the driver, and a flood's frames come one command each.
    let wires: Buffer[] = [];
    let frames: Frame[] = [];
    const flush = (): void => {
      if (wires.length === 0) return; // flushed at teardown already
      const batch = wires.length === 1 ? wires[0] : Buffer.concat(wires);
      const sent = frames;
      wires = [];
      frames = [];
      const written = send(batch);
      if (onFrameWritten) for (const f of sent) onFrameWritten(f, written);
    };
    const gather = (frame: Frame, wire: Buffer): void => {
      if (wires.length === 0) queueMicrotask(flush);
      wires.push(wire);
      if (onFrameWritten) frames.push(frame);
    };
    const commands = commands$.pipe(share());
    const finished$ = commands.pipe(ignoreElements(), endWith(true));
    // Each read's frames between a 'read' open and close (one ACK per read), on the same
    // input as the frames: deframe emits a read's frames synchronously, so they sit between.
    const bytes$ = new Observable<LinkInput>((input) => {
      const bracket: MonoTypeOperatorFunction<Buffer> = aroundEach((run) => {
        input.next(READ_OPEN);
        try {
          run();
        } finally {
          input.next(READ_CLOSE);
        }
      });
      const deframed$ = stamper
        ? line.data$.pipe(bracket, stamper.chunks(), deframe({ maxPayload: endpoint.mtu, ownsChunks }), stamper.frames())
        : line.data$.pipe(bracket, deframe({ maxPayload: endpoint.mtu, ownsChunks }));
      return deframed$.subscribe(input);
    }).pipe(takeUntil(finished$));
    // Unsubscribing writes what this turn gathered, as a write per frame would have by then.
    subscriber.add(flush);
    return merge(bytes$, commands)
      .pipe(
        linkEndpoint(endpoint),
        tap((out) => {
          if (out.type !== 'tx') return;
          const wire = encodeFrame(out.frame);
          if (!lineFaults) return gather(out.frame, wire);
          let written: Promise<void> | undefined;
          for (const bytes of lineFaults(wire)) written = send(bytes);
          if (onFrameWritten && written) onFrameWritten(out.frame, written);
        }),
      )
      .subscribe(subscriber);
  });
}
