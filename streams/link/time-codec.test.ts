import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clockOffset, decodeTime, encodeTime, type TimeMessage } from './time-codec.js';
import { TimeType } from './protocol.js';

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('TIME codec', () => {
  it('round-trips requests and responses', () => {
    fc.assert(
      fc.property(u32, u64, u64, u64, (id, t1, t2, t3) => {
        const request: TimeMessage = { type: 'request', id, t1 };
        const response: TimeMessage = { type: 'response', id, t1, t2, t3 };
        expect(decodeTime(encodeTime(request))).toEqual(request);
        expect(decodeTime(encodeTime(response))).toEqual(response);
      }),
    );
  });

  it('lays a request out as type, u32 id LE, u64 t1 LE (13 bytes)', () => {
    const buf = encodeTime({ type: 'request', id: 0x01020304, t1: 0x1122334455667788n });
    expect(buf.toString('hex')).toBe('01' + '04030201' + '8877665544332211');
    const resp = encodeTime({ type: 'response', id: 1, t1: 2n, t2: 3n, t3: 4n });
    expect(resp.length).toBe(29);
    expect(resp[0]).toBe(TimeType.RESPONSE);
    expect(resp.readBigUInt64LE(13)).toBe(3n);
    expect(resp.readBigUInt64LE(21)).toBe(4n);
  });

  it('wraps the id to 32 bits', () => {
    const m = decodeTime(encodeTime({ type: 'request', id: 2 ** 32 + 5, t1: 0n }));
    expect(m).toEqual({ type: 'request', id: 5, t1: 0n });
  });

  it('reports too-short messages and unknown types instead of throwing', () => {
    expect(decodeTime(Buffer.alloc(0))).toBe('TIME message too short (0 bytes)');
    expect(decodeTime(encodeTime({ type: 'request', id: 1, t1: 1n }).subarray(0, 12))).toBe('TIME message too short (12 bytes)');
    expect(decodeTime(encodeTime({ type: 'response', id: 1, t1: 1n, t2: 2n, t3: 3n }).subarray(0, 28))).toBe('TIME response too short (28 bytes)');
    expect(decodeTime(encodeTime({ type: 'response', id: 1, t1: 1n, t2: 2n, t3: 3n }).subarray(0, 13))).toMatch(/too short \(13 bytes\)/);
    const unknown = Buffer.alloc(13);
    unknown[0] = 0x7f;
    expect(decodeTime(unknown)).toBe('unknown TIME type 0x7f');
  });
});

describe('clockOffset', () => {
  it('finds the offset exactly on a symmetric path and bounds it by half the wire time', () => {
    // Board = host + 5000; 300 ns each way; the board held the request 1000 ns.
    expect(clockOffset(1000n, 1000n + 300n + 5000n, 2300n + 5000n, 2600n)).toEqual({ offsetNs: 5000n, boundNs: 300n });
  });

  it('errs by half the asymmetry, never beyond the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }), fc.nat(1e6), fc.nat(1e6), fc.nat(1e6), (offset, upNs, holdNs, downNs) => {
        const t1 = 10n ** 12n;
        const t2 = t1 + BigInt(upNs) + BigInt(offset);
        const t3 = t2 + BigInt(holdNs);
        const t4 = t3 - BigInt(offset) + BigInt(downNs);
        const { offsetNs, boundNs } = clockOffset(t1, t2, t3, t4);
        const err = offsetNs - BigInt(offset);
        expect(err < 0n ? -err : err).toBeLessThanOrEqual(boundNs);
        expect(boundNs).toBe(BigInt(Math.trunc((upNs + downNs) / 2)));
      }),
    );
  });
});
