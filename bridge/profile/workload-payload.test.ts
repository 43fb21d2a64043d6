import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeWorkloadPayload, encodeWorkloadPayload, PAYLOAD_HEADER_BYTES } from './workload-payload.js';

describe('workload payload', () => {
  it('round-trips sequence, intended and sent times at any size', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 32 - 1), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.nat(2048), (seq, intended, sent, size) => {
        const buf = encodeWorkloadPayload(seq, intended, sent, size);
        expect(buf.length).toBe(Math.max(size, PAYLOAD_HEADER_BYTES));
        expect(decodeWorkloadPayload(buf)).toEqual({ seq, intended, sent });
      }),
    );
  });

  it('pads with filler up to the message size, and never below the header', () => {
    const buf = encodeWorkloadPayload(1, 2n, 3n, 32);
    expect(buf.subarray(PAYLOAD_HEADER_BYTES).toString()).toBe('.'.repeat(12));
    expect(encodeWorkloadPayload(1, 2n, 3n, 0).length).toBe(PAYLOAD_HEADER_BYTES);
  });

  it('wraps the sequence number to 32 bits', () => {
    expect(decodeWorkloadPayload(encodeWorkloadPayload(2 ** 32 + 3, 0n, 0n, 20))?.seq).toBe(3);
  });

  it('decodes from a view into a larger buffer (a parsed payload is one)', () => {
    const inner = encodeWorkloadPayload(77, 123456789n, 987654321n, 24);
    const outer = Buffer.concat([Buffer.from('header bytes'), inner, Buffer.from('trailer')]);
    const view = new Uint8Array(outer.buffer, outer.byteOffset + 12, inner.length);
    expect(decodeWorkloadPayload(view)).toEqual({ seq: 77, intended: 123456789n, sent: 987654321n });
  });

  it('returns undefined for a payload shorter than its header', () => {
    expect(decodeWorkloadPayload(Buffer.alloc(PAYLOAD_HEADER_BYTES - 1))).toBeUndefined();
    expect(decodeWorkloadPayload(new Uint8Array(0))).toBeUndefined();
  });
});
