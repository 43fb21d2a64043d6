import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { crc32c } from './crc32c.js';
import { CRC_BYTES, FRAME_OVERHEAD, HEADER_BYTES, LINK_VERSION } from '../link/protocol.js';
import { createSlab } from './slab.js';

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

let scratch = Buffer.allocUnsafe(4096);

/** 0x00, COBS(header | payload | CRC-32C LE), 0x00. */
export function encodeFrame(frame: Frame): Buffer {
  const rawLength = frame.payload.length + FRAME_OVERHEAD;
  if (scratch.length < rawLength) scratch = Buffer.allocUnsafe(Math.max(rawLength, scratch.length * 2));
  const raw = scratch;
  raw[0] = (LINK_VERSION << 5) | ((frame.channel & 7) << 2) | (frame.flags & 3);
  raw[1] = frame.seq;
  raw[2] = frame.ack;
  raw[3] = frame.credit;
  frame.payload.copy(raw, HEADER_BYTES);
  const bodyEnd = HEADER_BYTES + frame.payload.length;
  raw.writeUInt32LE(crc32c(raw, 0, bodyEnd), bodyEnd);
  const out = Buffer.allocUnsafe(encodedFrameLength(frame.payload.length));
  out[0] = 0;
  const end = cobsEncode(raw, 0, rawLength, out, 1);
  out[end] = 0;
  return out.subarray(0, end + 1);
}

const slab = createSlab();

/**
 * Decodes one COBS segment (the bytes between two delimiters) into a frame, or names what is
 * wrong with it.
 */
export function decodeFrame(src: Buffer, start: number, end: number): Frame | FrameError {
  const dst = slab.take(end - start);
  const n = cobsDecode(src, start, end, dst, 0);
  if (n < 0) return 'truncated';
  if (n < FRAME_OVERHEAD) return 'truncated';
  const bodyEnd = n - CRC_BYTES;
  if (crc32c(dst, 0, bodyEnd) !== dst.readUInt32LE(bodyEnd)) return 'crc';
  const b0 = dst[0];
  if (b0 >> 5 !== LINK_VERSION) return 'version';
  slab.commit(n - CRC_BYTES);
  return {
    channel: (b0 >> 2) & 7,
    flags: b0 & 3,
    seq: dst[1],
    ack: dst[2],
    credit: dst[3],
    payload: dst.subarray(HEADER_BYTES, bodyEnd),
  };
}
