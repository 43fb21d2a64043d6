import { TimeType } from './protocol.js';

// TIME channel: NTP-style exchanges for clock-offset estimation. t1 = requester's send time,
// t2 = responder's receive time, t3 = responder's send time, each in the sender's own clock
// (nanoseconds, u64 LE). The requester adds t4 on receipt.

export type TimeMessage =
  | { type: 'request'; id: number; t1: bigint }
  | { type: 'response'; id: number; t1: bigint; t2: bigint; t3: bigint };

export function encodeTime(msg: TimeMessage): Buffer {
  const buf = Buffer.allocUnsafe(msg.type === 'request' ? 13 : 29);
  buf[0] = msg.type === 'request' ? TimeType.REQUEST : TimeType.RESPONSE;
  buf.writeUInt32LE(msg.id >>> 0, 1);
  buf.writeBigUInt64LE(msg.t1, 5);
  if (msg.type === 'response') {
    buf.writeBigUInt64LE(msg.t2, 13);
    buf.writeBigUInt64LE(msg.t3, 21);
  }
  return buf;
}

export function decodeTime(body: Buffer): TimeMessage | string {
  if (body.length < 13) return `TIME message too short (${body.length} bytes)`;
  const id = body.readUInt32LE(1);
  const t1 = body.readBigUInt64LE(5);
  if (body[0] === TimeType.REQUEST) return { type: 'request', id, t1 };
  if (body[0] === TimeType.RESPONSE) {
    if (body.length < 29) return `TIME response too short (${body.length} bytes)`;
    return { type: 'response', id, t1, t2: body.readBigUInt64LE(13), t3: body.readBigUInt64LE(21) };
  }
  return `unknown TIME type 0x${body[0].toString(16)}`;
}

/** NTP offset and its error bound (half the round trip minus the responder's hold time). */
export function clockOffset(t1: bigint, t2: bigint, t3: bigint, t4: bigint): { offsetNs: bigint; boundNs: bigint } {
  const offsetNs = (t2 - t1 + (t3 - t4)) / 2n;
  const boundNs = (t4 - t1 - (t3 - t2)) / 2n;
  return { offsetNs, boundNs };
}
