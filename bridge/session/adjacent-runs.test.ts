import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdjacentRuns } from './adjacent-runs.js';

describe('AdjacentRuns', () => {
  it('joins slices that follow each other in one buffer into one view, without copying', () => {
    const read = Buffer.from('aabbbcdd');
    const runs = new AdjacentRuns();
    runs.add(read.subarray(0, 2));
    runs.add(read.subarray(2, 5));
    runs.add(read.subarray(5, 6));
    const [joined, ...rest] = runs.take();
    expect(rest).toEqual([]);
    expect(joined.toString()).toBe('aabbbc');
    read[0] = 0x7a; // a view of the read, not a copy
    expect(joined.toString()).toBe('zabbbc');
    expect(runs.empty).toBe(true);
  });

  it('keeps gaps, other buffers and reordered slices apart, in their order', () => {
    const read = Buffer.from('0123456789');
    const other = Buffer.from('xy');
    const runs = new AdjacentRuns();
    runs.add(read.subarray(0, 2));
    runs.add(read.subarray(3, 5)); // a gap: byte 2 is not written
    runs.add(other);
    runs.add(read.subarray(5, 6)); // follows 3..5 in memory, but not in the order written
    runs.add(read.subarray(1, 2)); // before the previous one in memory
    expect(runs.take().map(String)).toEqual(['01', '34', 'xy', '5', '1']);
  });

  it('always writes exactly the bytes added, in order (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }), (bytes, cuts) => {
        const read = Buffer.from(bytes);
        const runs = new AdjacentRuns();
        const expected: Buffer[] = [];
        for (const [a, b] of cuts) {
          const start = a % read.length;
          const slice = read.subarray(start, start + (b % (read.length - start + 1)));
          runs.add(slice);
          expected.push(slice);
        }
        expect(Buffer.concat(runs.take())).toEqual(Buffer.concat(expected));
      }),
    );
  });
});
