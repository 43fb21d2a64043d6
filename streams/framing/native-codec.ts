import { loadAddon } from './load-addon.js';

/** streams/framing/native/framing.c; byte-for-byte the same results as the JS codec. */
export interface NativeFraming {
  /** Decoded length (CRC included), -1 truncated, -2 CRC mismatch. */
  decode(src: Buffer, start: number, end: number, dst: Buffer, dstOffset: number): number;
  /** Writes 0x00 COBS(header|payload|CRC) 0x00 into out; returns the bytes written. */
  encode(b0: number, seq: number, ack: number, credit: number, payload: Buffer, out: Buffer): number;
  /**
   * Splits on 0x00 and decodes every complete run in place; see framing.c for `out`. With a
   * carry (the open run of earlier reads), the first run is joined onto it and decoded there.
   */
  decodeRuns(buf: Buffer, start: number, end: number, maxRun: number, out: Int32Array, carry?: Buffer, carryLen?: number): number;
  crc32c(buf: Buffer, start: number, end: number): number;
  crcEngine: string;
}

// DL7450_NATIVE=0 forces the JS codec (benchmarks compare both; tests cover both).
// DL7450_NO_VPCLMUL=1 keeps the native CRC on the crc32 instruction alone (tested both ways).
export const nativeFraming: NativeFraming | undefined =
  process.env.DL7450_NATIVE === '0' ? undefined : loadAddon<NativeFraming>('framing');
