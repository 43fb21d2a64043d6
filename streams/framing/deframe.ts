import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import { cobsMaxEncodedLength } from './cobs.js';
import { decodeFrame, toFrame, type Frame, type FrameError } from './frame.js';
import { FRAME_OVERHEAD } from '../link/protocol.js';
import { consoleLines, looksLikeText } from './console-text.js';
import { createSlab } from './slab.js';
import { nativeFraming } from './native-codec.js';
import { CONNECT_PROTOCOL_NAMES } from '../mqtt/seek-connect.js';

/** 'plain-mqtt': a plain MQTT CONNECT on a framed line, and whatever follows it up to the next frame. */
export type DropReason = FrameError | 'oversize' | 'plain-mqtt';

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
   * data$ with this as its one consumer); by default each chunk is copied first.
   */
  ownsChunks?: boolean;
}

const RESULT_SLOTS = 256;
const EMPTY: Buffer = Buffer.alloc(0);
const NATIVE_STATUS: Record<number, DropReason> = { [-1]: 'truncated', [-2]: 'crc', [-3]: 'truncated', [-4]: 'oversize', [-5]: 'plain-mqtt' };

/**
 * A run that starts with a plain MQTT CONNECT's protocol name (the 0x00 of the name's length
 * splits the run just before it). No frame starts so (its first byte would decode to 'M', not a
 * version-1 header). Checked before decoding, which would overwrite it (framing.c does the same).
 */
function plainMqttConnect(buf: Buffer, start: number, end: number): boolean {
  // Both names start with 'M' (0x4d), which is never a frame's header byte (its version bits are
  // 010, not 001): every frame stops at one of these two tests, on the JS codec's hot path.
  if ((buf[start] !== 4 && buf[start] !== 6) || buf[start + 1] !== 0x4d) return false;
  return CONNECT_PROTOCOL_NAMES.some((name) => end - start >= name.length - 1 && buf.subarray(start, start + name.length - 1).equals(name.subarray(1)));
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
  const maxRun = cobsMaxEncodedLength(options.maxPayload + FRAME_OVERHEAD);
  const ownsChunks = options.ownsChunks ?? false;
  return (source) =>
    new Observable<DeframeEvent>((subscriber) => {
      const emit = createEmitter(subscriber);
      const slab = createSlab();
      const results = new Int32Array(1 + 3 * RESULT_SLOTS);
      // The open run of earlier reads, copied into the slab as it comes, so that a frame split
      // across reads is decoded where it was joined: no list of pieces, no second copy.
      let carry: Buffer = EMPTY;
      let carryLen = 0;
      // Set once a run outgrew maxRun: the rest of it, up to the next 0x00, is no frame.
      let overflowed = false;
      // The open run as a view of the read it came in, not yet copied. When the next read
      // lies right after it in the same memory (the tty driver reads into one slab after
      // another), the run is joined by widening the view: no copy, decoded in place.
      // Kept as offsets, not a Buffer: a view per small read would cost more than copying it.
      let openIn: ArrayBufferLike | undefined;
      let openStart = 0;
      let openEnd = 0;
      const openView = (): Buffer => Buffer.from(openIn as ArrayBufferLike, openStart, openEnd - openStart);

      /** Decodes buf[start, end) in place; true if a frame (a view into buf) was emitted. */
      const run = (buf: Buffer, start: number, end: number): boolean => {
        if (end - start > maxRun) return emit.notFrame(buf, start, end, 'oversize');
        if (plainMqttConnect(buf, start, end)) return emit.notFrame(buf, start, end, 'plain-mqtt');
        // Decoding overwrites the bytes, so text is copied first. The check is cheap for real
        // frames: their header or first payload byte is a control character.
        const original = looksLikeText(buf, start, end) ? Buffer.from(buf.subarray(start, end)) : undefined;
        const result = decodeFrame(buf, start, end);
        if (typeof result !== 'string') return emit.frame(result);
        if (original !== undefined) return emit.notFrame(original, 0, original.length, result);
        return emit.notFrame(buf, start, end, result);
      };

      /** The carried run ended at chunk[zero] (its rest is chunk[pos, zero)) and was too long. */
      const carryOversize = (chunk: Buffer, pos: number, zero: number): void => {
        const joined = Buffer.concat([carry.subarray(0, carryLen), chunk.subarray(pos, zero)]);
        carryLen = 0;
        emit.notFrame(joined, 0, joined.length, 'oversize');
      };

      /** The carried run, joined in carry[0, n) and decoded there with status (framing.c). */
      const carried = (n: number, status: number): void => {
        carryLen = 0;
        if (status >= 0) {
          const frame = toFrame(carry, 0, status);
          if (typeof frame === 'string') return void emit.notFrame(carry, 0, n, frame);
          slab.commit(status);
          emit.frame(frame);
        } else {
          emit.notFrame(carry, 0, n, NATIVE_STATUS[status] ?? 'truncated');
        }
      };

      /**
       * Every complete run in chunk from pos; returns where the unterminated tail begins. With
       * a run carried, chunk holds a 0x00 (next() holds a chunk without one).
       */
      const runsJs = (chunk: Buffer, pos: number): number => {
        if (carryLen > 0) {
          const zero = chunk.indexOf(0, pos);
          if (carryLen + zero - pos > maxRun) carryOversize(chunk, pos, zero);
          else {
            const n = carryLen + chunk.copy(carry, carryLen, pos, zero);
            carryLen = 0;
            if (run(carry, 0, n)) slab.commit(n);
          }
          pos = zero + 1;
        }
        for (let zero = chunk.indexOf(0, pos); zero !== -1; zero = chunk.indexOf(0, pos)) {
          if (zero > pos) run(chunk, pos, zero);
          pos = zero + 1;
        }
        return pos;
      };

      // One native call splits and decodes every run of a read, the carried one included:
      // per-frame call overhead would otherwise cost more than the decoding itself.
      const runsNative = (chunk: Buffer, pos: number): number => {
        const native = nativeFraming as NonNullable<typeof nativeFraming>;
        for (;;) {
          const count = native.decodeRuns(chunk, pos, chunk.length, maxRun, results, carry, carryLen);
          for (let i = 0, r = 1; i < count; i++, r += 3) {
            const start = results[r];
            const status = results[r + 2];
            if (start === -1) {
              if (status === -4) carryOversize(chunk, pos, results[r + 1]);
              else carried(carryLen + results[r + 1] - pos, status);
            } else if (status >= 0) {
              const frame = toFrame(chunk, start, status);
              if (typeof frame === 'string') emit.notFrame(chunk, start, results[r + 1], frame);
              else emit.frame(frame);
            } else {
              emit.notFrame(chunk, start, results[r + 1], NATIVE_STATUS[status] ?? 'truncated');
            }
          }
          pos = results[0];
          if (count < RESULT_SLOTS) return pos;
        }
      };
      const runs = nativeFraming ? runsNative : runsJs;

      // Holds at most maxRun bytes: a longer run cannot be a frame and is passed on as it comes.
      const hold = (chunk: Buffer, from: number): void => {
        const n = chunk.length - from;
        if (n === 0) return;
        if (overflowed) return void emit.notFrame(chunk, from, chunk.length, 'oversize');
        if (carryLen + n > maxRun) {
          carryOversize(chunk, from, chunk.length);
          overflowed = true;
          return;
        }
        if (carryLen === 0) carry = slab.take(maxRun);
        // TypedArray set() skips Buffer.copy()'s argument handling, the larger cost on small reads.
        if (from === 0) carry.set(chunk, carryLen);
        else chunk.copy(carry, carryLen, from);
        carryLen += n;
      };

      /** Leaves chunk[from..] open: as a view while nothing is carried, else in the carry. */
      const leaveOpen = (chunk: Buffer, from: number): void => {
        const n = chunk.length - from;
        if (n > 0 && n <= maxRun && carryLen === 0 && !overflowed) {
          openIn = chunk.buffer;
          openStart = chunk.byteOffset + from;
          openEnd = chunk.byteOffset + chunk.length;
        } else {
          hold(chunk, from);
        }
      };

      return source.subscribe({
        next(input) {
          let chunk = ownsChunks ? input : Buffer.from(input);
          if (openIn !== undefined) {
            const zero = chunk.indexOf(0);
            const adjacent = openIn === chunk.buffer && openEnd === chunk.byteOffset;
            if (adjacent && zero === -1 && openEnd + chunk.length - openStart <= maxRun) {
              openEnd += chunk.length; // the run goes on
              return;
            }
            if (adjacent && zero !== -1) {
              // The run ends in this read: decoded with it, where it lies.
              chunk = Buffer.from(chunk.buffer, openStart, openEnd + chunk.length - openStart);
            } else {
              hold(openView(), 0);
            }
            openIn = undefined;
          }
          let pos = 0;
          if (carryLen > 0 || overflowed) {
            const zero = chunk.indexOf(0);
            // The open run goes on: small reads of a long frame are held without a call into
            // C, which costs more than this search.
            if (zero === -1) return hold(chunk, 0);
            if (overflowed) {
              if (zero > 0) emit.notFrame(chunk, 0, zero, 'oversize');
              overflowed = false;
              pos = zero + 1;
            }
          }
          pos = runs(chunk, pos);
          leaveOpen(chunk, pos);
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          // The stream ended inside a frame: what was held is a truncated frame (or text).
          if (openIn !== undefined) emit.notFrame(openView(), 0, openEnd - openStart, 'truncated');
          else if (carryLen > 0) emit.notFrame(carry, 0, carryLen, 'truncated');
          subscriber.complete();
        },
      });
    });
}

function createEmitter(subscriber: Subscriber<DeframeEvent>) {
  // After a plain MQTT CONNECT's protocol name come its client id, user name and password, which
  // may well read as text: nothing is shown as console text until the next intact frame.
  let plainMqtt = false;
  return {
    frame(frame: Frame): true {
      plainMqtt = false;
      subscriber.next({ type: 'frame', frame });
      return true;
    },
    /** Not a frame: console text if it reads as text, else a counted drop. */
    notFrame(buf: Buffer, start: number, end: number, reason: DropReason): false {
      if (reason === 'plain-mqtt') plainMqtt = true;
      if (plainMqtt) {
        subscriber.next({ type: 'dropped', reason: 'plain-mqtt', bytes: end - start });
      } else if (looksLikeText(buf, start, end)) {
        for (const text of consoleLines(buf.subarray(start, end))) subscriber.next({ type: 'console', text });
      } else {
        subscriber.next({ type: 'dropped', reason, bytes: end - start });
      }
      return false;
    },
  };
}
