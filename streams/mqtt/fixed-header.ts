// The MQTT fixed header: packet type and flags, then the Remaining Length as a variable byte
// integer of at most four bytes [MQTT-1.5.5]. Reading it ourselves lets an oversized packet be
// refused as soon as its first bytes arrive, instead of buffering up to 256 MB.

/** Largest Remaining Length the protocol can express (four 7-bit groups). */
export const MQTT_MAX_REMAINING_LENGTH = 268_435_455;
/** Largest whole packet: 1 type byte + 4 length bytes + the remaining length. */
export const MQTT_MAX_PACKET_BYTES = MQTT_MAX_REMAINING_LENGTH + 5;

export interface FixedHeader {
  type: number;
  /** Header bytes (1 + length bytes). */
  headerBytes: number;
  /** Whole packet size: headerBytes + remaining length. */
  packetBytes: number;
}

export type FixedHeaderResult = FixedHeader | 'incomplete' | 'malformed';

export function readFixedHeader(buf: Uint8Array, start: number, end: number): FixedHeaderResult {
  if (end - start < 2) return 'incomplete';
  const type = buf[start] >> 4;
  if (type === 0) return 'malformed'; // reserved packet type
  let remaining = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    if (start + i >= end) return 'incomplete';
    const b = buf[start + i];
    remaining += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) return { type, headerBytes: 1 + i, packetBytes: 1 + i + remaining };
    multiplier *= 128;
  }
  return 'malformed'; // a fifth length byte
}
