import { Observable, type OperatorFunction } from 'rxjs';
import { cobsMaxEncodedLength } from './cobs.js';
import { decodeFrame, type Frame, type FrameError } from './frame.js';
import { FRAME_OVERHEAD } from '../link/protocol.js';
import { consoleLines, looksLikeText } from './console-text.js';
import { createSlab } from './slab.js';

export type DropReason = FrameError | 'oversize';

export type DeframeEvent =
  | { type: 'frame'; frame: Frame }
  | { type: 'console'; text: string }
  | { type: 'dropped'; reason: DropReason; bytes: number };

export interface DeframeOptions {
  /** Largest frame payload this side accepts (its MTU); longer runs are not frames. */
  maxPayload: number;
  /**
   * The caller hands the chunks over: frames are then decoded in place, overwriting the chunk,
   * with no copy at all. Only for a source whose chunks nobody else reads (a SerialLink's
   * data$ with this as its one consumer); by default each frame is copied first.
   */
  ownsChunks?: boolean;
}

/**
 * Serial bytes -> frames. Takes ownership of the chunks it is given: frames are decoded in
 * place (see decodeFrame), so another consumer that needs the raw bytes must copy them first. Splits on 0x00, decodes COBS and checks the CRC. Whatever is not an
 * intact frame is dropped and reported (a power cut's half frame, line noise), or surfaced as
 * console text (boot ROM output, stray prints) — never glued onto the next frame, because
 * every frame is preceded by its own 0x00. Buffering is bounded by the largest legal frame.
 */
export function deframe(options: DeframeOptions): OperatorFunction<Buffer, DeframeEvent> {
  if (!Number.isInteger(options.maxPayload) || options.maxPayload < 0) {
    throw new TypeError(`deframe: maxPayload must be a non-negative integer, got ${options.maxPayload}`);
  }
  const maxSegment = cobsMaxEncodedLength(options.maxPayload + FRAME_OVERHEAD);
  const ownsChunks = options.ownsChunks ?? false;
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

      const slab = createSlab();

      /** True if a frame was emitted (its payload is a view into buf). `mine`: buf may be overwritten. */
      const segment = (buf: Buffer, start: number, end: number, mine: boolean): boolean => {
        if (end === start || overflowed) return false; // back-to-back delimiters, or an oversized run already reported
        if (end - start > maxSegment) {
          notFrame(buf.subarray(start, end), 'oversize');
          return false;
        }
        if (!mine) {
          const copy = slab.take(end - start);
          buf.copy(copy, 0, start, end);
          const emitted = segment(copy, 0, copy.length, true);
          if (emitted) slab.commit();
          return emitted;
        }
        // Decoding overwrites the bytes, so text is copied first. The check is cheap for real
        // frames: their header or first payload byte is a control character.
        const original = looksLikeText(buf, start, end) ? Buffer.from(buf.subarray(start, end)) : undefined;
        const result = decodeFrame(buf, start, end);
        if (typeof result !== 'string') {
          subscriber.next({ type: 'frame', frame: result });
          return true;
        }
        if (original !== undefined) for (const text of consoleLines(original)) subscriber.next({ type: 'console', text });
        else subscriber.next({ type: 'dropped', reason: result, bytes: end - start });
        return false;
      };

      const takePending = (): Buffer => {
        const joined = slab.take(pendingBytes);
        let at = 0;
        for (const piece of pending) at += piece.copy(joined, at);
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
              // Chunks are ours to keep (SerialLink contract): no copy.
              hold(pos === 0 ? chunk : chunk.subarray(pos));
              return;
            }
            if (pendingBytes > 0 || overflowed) {
              hold(chunk.subarray(pos, zero));
              const joined = takePending();
              if (segment(joined, 0, joined.length, true)) slab.commit();
            } else {
              segment(chunk, pos, zero, ownsChunks);
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
