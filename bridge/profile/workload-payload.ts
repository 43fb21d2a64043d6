/**
 * A workload message's payload: u32 sequence, u64 intended send time, u64 actual send time
 * (the sender's clock, ns), then filler up to the message size. Carrying the stamps in the
 * message is what a physical board's app can do too; the host maps its clock with the TIME
 * exchange's offset.
 */
export const PAYLOAD_HEADER_BYTES = 20;

export function encodeWorkloadPayload(seq: number, intended: bigint, sent: bigint, size: number): Buffer {
  const buf = Buffer.alloc(Math.max(size, PAYLOAD_HEADER_BYTES), 0x2e);
  buf.writeUInt32LE(seq >>> 0, 0);
  buf.writeBigUInt64LE(intended, 4);
  buf.writeBigUInt64LE(sent, 12);
  return buf;
}

export function decodeWorkloadPayload(payload: Uint8Array): { seq: number; intended: bigint; sent: bigint } | undefined {
  if (payload.length < PAYLOAD_HEADER_BYTES) return undefined;
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  return { seq: b.readUInt32LE(0), intended: b.readBigUInt64LE(4), sent: b.readBigUInt64LE(12) };
}
