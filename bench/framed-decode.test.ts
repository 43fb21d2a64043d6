import { describe, expect, it } from 'vitest';
import { benchFramedDecode } from './framed-decode.js';

// The benchmark's own check: every pipeline it times must deliver every packet (rate() throws
// otherwise), in every read size it uses, and the overhead it reports must be the wire's.
describe('framed-decode benchmark', () => {
  for (const [size, binary, chunk, overhead] of [
    [64, false, 65536, 12],
    [64, true, 4096, 12],
    [4096, false, 4096, 28],
    [4096, true, 256, undefined], // zeros in a binary payload shorten some COBS blocks
  ] as const) {
    it(`decodes every ${size} B packet in ${chunk} B reads on each of its paths`, () => {
      const r = benchFramedDecode(size, binary, chunk, 300, 1);
      if (overhead !== undefined) expect(r.overheadPerFrame).toBe(overhead);
      expect(r.overheadPerFrame).toBeLessThan(r.overheadLimit);
      for (const ratio of [r.decodeRatio, r.linkRatio, r.fastRatio]) expect(Number.isFinite(ratio) && ratio > 0).toBe(true);
    });
  }
});
