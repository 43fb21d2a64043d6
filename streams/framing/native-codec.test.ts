import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nativeFraming } from './native-codec.js';
import { decodeFrameJs, encodeFrameJs } from './frame.js';
import { crc32cJs } from './crc32c.js';
import { frameArb, plainFrame } from '../test-support/arbitraries.js';

// The C codec must be byte-for-byte the JS one. It is built by `npm install`; its absence here
// would mean the hot path silently fell back, so it is an error unless asked for.
describe('native frame codec', () => {
  const native = nativeFraming;
  it('is built and loaded (set DL7450_NATIVE=0 to test the JS fallback alone)', () => {
    if (process.env.DL7450_NATIVE === '0') expect(native).toBeUndefined();
    else expect(native).toBeDefined();
  });
  if (!native) return;

  it('encodes every frame exactly as the JS codec', () => {
    fc.assert(
      fc.property(frameArb(3000), (frame) => {
        const out = Buffer.alloc(frame.payload.length + 40);
        const b0 = (1 << 5) | (frame.channel << 2) | frame.flags;
        const n = native.encode(b0, frame.seq, frame.ack, frame.credit, frame.payload, out);
        expect(out.subarray(0, n).toString('hex')).toBe(encodeFrameJs(frame).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes (and rejects) every segment exactly as the JS codec, in place', () => {
    fc.assert(
      fc.property(frameArb(3000), fc.nat(), fc.integer({ min: 0, max: 2 }), (frame, at, damage) => {
        const wire = encodeFrameJs(frame);
        const seg = Buffer.from(wire.subarray(1, wire.length - 1));
        if (damage === 1) seg[at % seg.length] ^= 0x5a; // may also make a 0x00: then COBS is broken
        const len = damage === 2 ? 1 + (at % seg.length) : seg.length; // truncation
        if (seg.subarray(0, len).includes(0)) return; // the deframer never passes a 0x00 on
        const a = Buffer.from(seg);
        const b = Buffer.from(seg);
        const js = decodeFrameJs(a, 0, len);
        const n = native.decode(b, 0, len, b, 0);
        if (typeof js === 'string') {
          expect(n).toBe(js === 'crc' ? -2 : js === 'truncated' ? -1 : n);
        } else {
          expect(n).toBe(js.payload.length + 8);
          expect(plainFrame(js)).toEqual(plainFrame({ ...js, payload: b.subarray(4, n - 4) }));
          if (damage === 0) expect(plainFrame(js)).toEqual(plainFrame(frame));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('computes CRC-32C like the JS path on every length, including the interleaved and carry-less paths', () => {
    // npm test runs this file a second time with DL7450_NO_VPCLMUL=1 for the crc32-only path.
    if (process.env.DL7450_NO_VPCLMUL) expect(native.crcEngine).toBe('sse4.2');
    for (const len of [0, 1, 7, 8, 63, 64, 255, 256, 511, 512, 513, 575, 576, 767, 768, 769, 4096, 4103, 5000, 30000]) {
      const buf = Buffer.alloc(len + 3);
      for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + 11) & 0xff;
      // Offsets 0..2 exercise the unaligned head.
      for (const off of [0, 1, 3]) {
        const end = Math.min(buf.length, off + len);
        expect(native.crc32c(buf, off, end)).toBe(crc32cJs(buf, off, end));
      }
    }
  });

  it('joins a run carried from earlier reads onto the first run of the next one, and no further', () => {
    fc.assert(
      fc.property(frameArb(3000), frameArb(100), fc.nat(), (frame, next, at) => {
        const wire = Buffer.concat([encodeFrameJs(frame), encodeFrameJs(next)]);
        const cut = 2 + (at % (wire.indexOf(0, 1) - 2)); // inside the first frame's run, past its first byte
        const carry = Buffer.alloc(4000);
        const carryLen = wire.copy(carry, 0, 1, cut);
        const read = Buffer.from(wire.subarray(cut));
        const out = new Int32Array(1 + 3 * 8);
        expect(native.decodeRuns(read, 0, read.length, 4000, out, carry, carryLen)).toBe(2);
        expect([out[1], out[2], out[3]]).toEqual([-1, read.indexOf(0), frame.payload.length + 8]);
        expect(carry.subarray(4, 4 + frame.payload.length).equals(frame.payload)).toBe(true);
        expect(out[6]).toBe(next.payload.length + 8);
      }),
      { numRuns: 300 },
    );
    const out = new Int32Array(4);
    // No 0x00 yet: nothing is appended, the caller keeps carrying.
    expect(native.decodeRuns(Buffer.from([5, 6, 7]), 0, 3, 100, out, Buffer.alloc(100, 1), 10)).toBe(0);
    expect(out[0]).toBe(0);
    // Carried plus new bytes beyond maxRun: reported oversize, neither part touched.
    const carry = Buffer.alloc(100, 0x81);
    expect(native.decodeRuns(Buffer.from([0x81, 0x81, 0]), 0, 3, 60, out, carry, 60)).toBe(1);
    expect([out[1], out[2], out[3]]).toEqual([-1, 2, -4]);
    expect(carry.every((b) => b === 0x81)).toBe(true);
    expect(() => native.decodeRuns(Buffer.from([0]), 0, 1, 100, out, Buffer.alloc(4), 5)).toThrow(RangeError);
  });

  it('computes CRC-32C like the JS path on arbitrary bytes, lengths and offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 9000 }), fc.nat(64), (bytes, off) => {
        const buf = Buffer.concat([Buffer.alloc(off, 0x5a), bytes]);
        expect(native.crc32c(buf, off, buf.length)).toBe(crc32cJs(buf, off, buf.length));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects out-of-range arguments instead of reading outside the buffer', () => {
    const buf = Buffer.alloc(8);
    expect(() => native.crc32c(buf, 0, 9)).toThrow(RangeError);
    expect(() => native.decode(buf, 4, 2, buf, 0)).toThrow(RangeError);
    expect(() => native.encode(0x27, 0, 0, 0, Buffer.alloc(100), Buffer.alloc(10))).toThrow(RangeError);
  });
});
