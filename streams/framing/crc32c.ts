import { nativeFraming } from './native-codec.js';

// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF.
// The native codec uses the CPU's crc32 instruction; this slice-by-8 is the portable fallback.
const POLY = 0x82f63b78;

const table = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  table[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = table[n];
  for (let k = 1; k < 8; k++) {
    c = table[c & 0xff] ^ (c >>> 8);
    table[k * 256 + n] = c;
  }
}

export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = table;
  let c = ~0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  for (; i < end8; i += 8) {
    const a = c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    c =
      t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
      t[768 + buf[i + 4]] ^ t[512 + buf[i + 5]] ^ t[256 + buf[i + 6]] ^ t[buf[i + 7]];
  }
  for (; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const NATIVE_MIN_BYTES = 64; // below this the call overhead outweighs the speed-up

export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  if (nativeFraming !== undefined && end - start >= NATIVE_MIN_BYTES) return nativeFraming.crc32c(buf, start, end);
  return crc32cJs(buf, start, end);
}

/** Which CRC-32C implementation runs, for benchmark reports. */
export const crc32cBackend = nativeFraming ? `native (${nativeFraming.crcEngine}) + JS below ${NATIVE_MIN_BYTES} B` : 'JS slice-by-8';
