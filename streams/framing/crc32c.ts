import { createRequire } from 'node:module';

// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF.
// Slice-by-8 in JS for short frames; the SIMD native module wins above a few hundred bytes,
// where its call overhead is paid back.
const POLY = 0x82f63b78;
const NATIVE_MIN_BYTES = 256;

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

type NativeCrc = (input: Buffer, initialState?: number) => number;

function loadNative(): NativeCrc | undefined {
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: NativeCrc };
    return mod.crc32c;
  } catch {
    return undefined; // no prebuilt binary for this platform: the JS path is exact, only slower
  }
}

const native = loadNative();

export const crc32cBackend = native ? 'native+js' : 'js';

export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  if (native !== undefined && end - start >= NATIVE_MIN_BYTES) {
    return native(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
  }
  return crc32cJs(buf, start, end);
}
