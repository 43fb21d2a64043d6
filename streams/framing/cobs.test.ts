import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { hex, vectors } from '../test-support/vectors.js';

const encode = (raw: Buffer): Buffer => {
  const dst = Buffer.alloc(cobsMaxEncodedLength(raw.length));
  return dst.subarray(0, cobsEncode(raw, 0, raw.length, dst, 0));
};
const decode = (enc: Buffer): Buffer | null => {
  const dst = Buffer.alloc(enc.length);
  const n = cobsDecode(enc, 0, enc.length, dst, 0);
  return n < 0 ? null : dst.subarray(0, n);
};

describe('COBS', () => {
  it.each(vectors.cobs.map((v, i) => ({ ...v, i })))('encodes and decodes reference vector $i', ({ raw, encoded }) => {
    expect(encode(hex(raw)).toString('hex')).toBe(encoded);
    expect(decode(hex(encoded))?.toString('hex')).toBe(raw);
  });

  it('round-trips any data, never emits 0x00 and stays within the length bound', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 2000, min: 0, max: 2 })),
        (bytes) => {
          const raw = Buffer.from(bytes);
          const enc = encode(raw);
          expect(enc.includes(0)).toBe(false);
          expect(enc.length).toBeLessThanOrEqual(cobsMaxEncodedLength(raw.length));
          expect(decode(enc)?.equals(raw)).toBe(true);
        },
      ),
    );
  });

  it('reports a truncated encoding instead of inventing bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600, min: 1 }), fc.nat(), (bytes, cut) => {
        const enc = encode(Buffer.from(bytes));
        // A cut inside a block (not just before a code byte) must be detected.
        const at = 1 + (cut % (enc.length - 1));
        const codeBoundaries = new Set<number>();
        for (let i = 0; i < enc.length; i += enc[i]) codeBoundaries.add(i);
        fc.pre(!codeBoundaries.has(at));
        expect(decode(enc.subarray(0, at))).toBeNull();
      }),
    );
  });

  it('decodes in place', () => {
    const raw = Buffer.from('hello\0world\0\0!');
    const enc = encode(raw);
    const n = cobsDecode(enc, 0, enc.length, enc, 0);
    expect(enc.subarray(0, n).equals(raw)).toBe(true);
  });
});
