import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c, crc32cJs } from './crc32c.js';
import { hex, vectors } from '../test-support/vectors.js';

describe('crc32c', () => {
  it('has the CRC-32C check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it.each(vectors.crc32c)('matches the reference vector for $input', ({ input, crc }) => {
    expect(crc32c(hex(input)).toString(16).padStart(8, '0')).toBe(crc);
    expect(crc32cJs(hex(input)).toString(16).padStart(8, '0')).toBe(crc);
  });

  it('gives the same value on the JS and native paths, for any length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = buf.length ? a % buf.length : 0;
        const end = start + (buf.length - start ? b % (buf.length - start + 1) : 0);
        expect(crc32c(buf, start, end)).toBe(crc32cJs(buf, start, end));
      }),
    );
  });
});
