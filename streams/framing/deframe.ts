import { Observable, type OperatorFunction } from 'rxjs';
import { cobsMaxEncodedLength } from './cobs.js';
import { decodeFrame, type Frame, type FrameError } from './frame.js';
import { FRAME_OVERHEAD } from '../link/protocol.js';
import { consoleLines, looksLikeText } from './console-text.js';

export type DropReason = FrameError | 'oversize';

export type DeframeEvent =
  | { type: 'frame'; frame: Frame }
  | { type: 'console'; text: string }
  | { type: 'dropped'; reason: DropReason; bytes: number };

export interface DeframeOptions {
  /** Largest frame payload this side accepts (its MTU); longer runs are not frames. */
  maxPayload: number;
}

/**
 * Serial bytes -> frames. Splits on 0x00, decodes COBS and checks the CRC. Whatever is not an
 * intact frame is dropped and reported (a power cut's half frame, line noise), or surfaced as
 * console text (boot ROM output, stray prints) — never glued onto the next frame, because
 * every frame is preceded by its own 0x00. Buffering is bounded by the largest legal frame.
 */
export function deframe(options: DeframeOptions): OperatorFunction<Buffer, DeframeEvent> {
  if (!Number.isInteger(options.maxPayload) || options.maxPayload < 0) {
    throw new TypeError(`deframe: maxPayload must be a non-negative integer, got ${options.maxPayload}`);
  }
  const maxSegment = cobsMaxEncodedLength(options.maxPayload + FRAME_OVERHEAD);
  return (source) =>
    new Observable<DeframeEvent>((subscriber) => {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      // Set once a run outgrew maxSegment: the rest of it, up to the next 0x00, is no frame.
      let overflowed = false;

      const notFrame = (seg: Buffer, reason: DropReason): void => {
        if (looksLikeText(seg)) {
          for (const text of consoleLines(seg)) subscriber.next({ type: 'console', text });
        } else {
          subscriber.next({ type: 'dropped', reason, bytes: seg.length });
        }
      };

      const segment = (buf: Buffer, start: number, end: number): void => {
        if (end === start) return; // back-to-back delimiters
        if (overflowed) return; // the run's head was already reported by hold()
        const result = decodeFrame(buf, start, end);
        if (typeof result === 'string') notFrame(buf.subarray(start, end), result);
        else subscriber.next({ type: 'frame', frame: result });
      };

      const takePending = (): Buffer => {
        const joined = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        return joined;
      };

      // Holds at most maxSegment bytes: a longer run cannot be a frame and is passed on as it comes.
      const hold = (tail: Buffer): void => {
        if (tail.length === 0) return;
        if (overflowed) return notFrame(tail, 'oversize');
        pending.push(tail);
        pendingBytes += tail.length;
        if (pendingBytes > maxSegment) {
          notFrame(takePending(), 'oversize');
          overflowed = true;
        }
      };

      return source.subscribe({
        next(chunk) {
          let pos = 0;
          while (pos < chunk.length) {
            const zero = chunk.indexOf(0, pos);
            if (zero === -1) {
              // Copy: the producer may reuse its read buffer.
              hold(Buffer.from(chunk.subarray(pos)));
              return;
            }
            if (pendingBytes > 0 || overflowed) {
              hold(chunk.subarray(pos, zero));
              const joined = takePending();
              segment(joined, 0, joined.length);
            } else {
              segment(chunk, pos, zero);
            }
            overflowed = false;
            pos = zero + 1;
          }
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          // The stream ended inside a frame: what was held is a truncated frame (or text).
          if (pendingBytes > 0) notFrame(takePending(), 'truncated');
          subscriber.complete();
        },
      });
    });
}
