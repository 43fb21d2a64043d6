import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { crc32cJs } from './crc32c.js';
import { nativeFraming } from './native-codec.js';
import { CRC_BYTES, FRAME_OVERHEAD, HEADER_BYTES, LINK_VERSION } from '../link/protocol.js';

/** One link frame, decoded. `payload` may be a view into a shared slab: copy it to keep it. */
export interface Frame {
  channel: number;
  flags: number;
  seq: number;
  ack: number;
  credit: number;
  payload: Buffer;
}

export type FrameError = 'truncated' | 'crc' | 'version';

/** Bytes a frame with this payload size occupies on the wire, delimiters included. */
export function encodedFrameLength(payloadBytes: number): number {
  return 2 + cobsMaxEncodedLength(payloadBytes + FRAME_OVERHEAD);
}

const headerByte = (frame: Frame) => (LINK_VERSION << 5) | ((frame.channel & 7) << 2) | (frame.flags & 3);

let scratch = Buffer.allocUnsafe(4096);

/** 0x00, COBS(header | payload | CRC-32C LE), 0x00 — portable JS. */
export function encodeFrameJs(frame: Frame): Buffer {
  const rawLength = frame.payload.length + FRAME_OVERHEAD;
  if (scratch.length < rawLength) scratch = Buffer.allocUnsafe(Math.max(rawLength, scratch.length * 2));
  const raw = scratch;
  raw[0] = headerByte(frame);
  raw[1] = frame.seq;
  raw[2] = frame.ack;
  raw[3] = frame.credit;
  frame.payload.copy(raw, HEADER_BYTES);
  const bodyEnd = HEADER_BYTES + frame.payload.length;
  raw.writeUInt32LE(crc32cJs(raw, 0, bodyEnd), bodyEnd);
  const out = Buffer.allocUnsafe(encodedFrameLength(frame.payload.length));
  out[0] = 0;
  const end = cobsEncode(raw, 0, rawLength, out, 1);
  out[end] = 0;
  return out.subarray(0, end + 1);
}

function encodeFrameNative(frame: Frame): Buffer {
  const out = Buffer.allocUnsafe(encodedFrameLength(frame.payload.length));
  const n = (nativeFraming as NonNullable<typeof nativeFraming>).encode(headerByte(frame), frame.seq, frame.ack, frame.credit, frame.payload, out);
  return out.subarray(0, n);
}

export const encodeFrame: (frame: Frame) => Buffer = nativeFraming ? encodeFrameNative : encodeFrameJs;

/** The frame decoded in place at buf[start, start + n) (n includes the CRC). */
export function toFrame(buf: Buffer, start: number, n: number): Frame | FrameError {
  const b0 = buf[start];
  if (b0 >> 5 !== LINK_VERSION) return 'version';
  return {
    channel: (b0 >> 2) & 7,
    flags: b0 & 3,
    seq: buf[start + 1],
    ack: buf[start + 2],
    credit: buf[start + 3],
    // Buffer.from(arrayBuffer, ...) is markedly cheaper than subarray() on this hot path.
    payload: Buffer.from(buf.buffer, buf.byteOffset + start + HEADER_BYTES, n - FRAME_OVERHEAD),
  };
}

/**
 * One COBS segment (the bytes between two delimiters) -> a frame, or what is wrong with it.
 * Decodes in place: COBS output never outgrows its input, so buf[start, end) is overwritten
 * and the frame's payload is a view into it — no copy and no allocation per frame.
 */
export function decodeFrameJs(buf: Buffer, start: number, end: number): Frame | FrameError {
  const n = cobsDecode(buf, start, end, buf, start);
  if (n < FRAME_OVERHEAD) return 'truncated';
  const bodyEnd = start + n - CRC_BYTES;
  if (crc32cJs(buf, start, bodyEnd) !== buf.readUInt32LE(bodyEnd)) return 'crc';
  return toFrame(buf, start, n);
}

function decodeFrameNative(buf: Buffer, start: number, end: number): Frame | FrameError {
  const n = (nativeFraming as NonNullable<typeof nativeFraming>).decode(buf, start, end, buf, start);
  if (n === -1) return 'truncated';
  if (n === -2) return 'crc';
  return toFrame(buf, start, n);
}

export const decodeFrame: (buf: Buffer, start: number, end: number) => Frame | FrameError = nativeFraming
  ? decodeFrameNative
  : decodeFrameJs;
