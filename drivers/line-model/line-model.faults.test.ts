import { describe, expect, it } from 'vitest';
import { patternBytes } from '../test-support/bytes.js';
import { createLineModel } from './line-model.js';
import { fewestBitErrors, isSubsequence } from './test-support/damage.js';
import { createVirtualRig, recordArrivals, timeOfByte, total } from './test-support/virtual-line.js';

// Per-byte faults from a fixed seed: the exact counts below are what seed 7 gives (a change in
// how draws are made shows up here first), and each lies in a band around the configured rate.

const N = 200_000;
const BAUD = 115_200;
const BYTE_MS = 10_000 / BAUD;

/** Within ~4 standard deviations of a binomial count. */
function expectNear(count: number, n: number, p: number): void {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  expect(count).toBeGreaterThanOrEqual(mean - 4 * sd);
  expect(count).toBeLessThanOrEqual(mean + 4 * sd);
}

const writeAll = (bytes: Buffer, options: Parameters<typeof createLineModel>[1]) => {
  const rig = createVirtualRig();
  const model = createLineModel(rig.inner, { ...options, scheduler: rig.scheduler });
  void model.write(bytes);
  rig.runAll();
  return { received: Buffer.concat(rig.inner.written.map((w) => w.bytes)), stats: model.stats(), rig };
};

describe('line model: faults', () => {
  it('flips one bit of about bitError x bytes, and nothing else', () => {
    const sent = patternBytes(N, 11);
    const { received, stats } = writeAll(sent, { tx: { bitError: 1e-3 }, seed: 7 });
    expect(received.length).toBe(N);
    const flippedBits = new Set<number>();
    let damaged = 0;
    for (let i = 0; i < N; i++) {
      const x = sent[i] ^ received[i];
      if (x === 0) continue;
      damaged++;
      expect(x & (x - 1)).toBe(0); // exactly one bit
      flippedBits.add(Math.log2(x));
    }
    expect(stats.tx.bitErrors).toBe(damaged);
    expect(damaged).toBe(EXACT.bitErrors);
    expectNear(damaged, N, 1e-3);
    expect(flippedBits.size).toBe(8); // any bit of the byte, not always the same one
    expect(stats.tx).toMatchObject({ bytes: N, drops: 0, stalls: 0 });
  });

  it('drops about drop x bytes read, keeping the rest in order', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { rx: { drop: 1e-3 }, seed: 7, scheduler: rig.scheduler });
    const got = recordArrivals(model.data$, rig.now);
    const sent = patternBytes(N, 12);
    for (let at = 0; at < N; at += 4096) rig.inner.feed(sent.subarray(at, at + 4096));
    const { rx } = model.stats();
    expect(rx.drops).toBe(EXACT.drops);
    expectNear(rx.drops, N, 1e-3);
    expect(got.bytes().length).toBe(N - rx.drops);
    expect(rx.bytes).toBe(N - rx.drops);
    expect(isSubsequence(got.bytes(), sent)).toBe(true);
    expect(rx.bitErrors).toBe(0);
  });

  it('explains every received byte by the input, drops and bit errors together: nothing reordered or invented', () => {
    const sent = patternBytes(20_000, 13);
    const { received, stats, rig } = writeAll(sent, { baud: BAUD, faults: { bitError: 2e-3, drop: 2e-3 }, seed: 7 });
    expect(stats.tx.drops).toBe(EXACT.mixedDrops);
    expect(stats.tx.bitErrors).toBe(EXACT.mixedBitErrors);
    const flips = fewestBitErrors(sent, received, stats.tx.drops);
    expect(flips).toBeDefined();
    expect(flips).toBeLessThanOrEqual(stats.tx.bitErrors);
    // A dropped byte still took its slot: the last byte goes when 20 000 bytes would have.
    expect(timeOfByte(rig.inner.written, received.length)).toBeCloseTo((20_000 - 16) * BYTE_MS, 9);
  });

  it('stalls the line for stallMs before about stall x bytes', () => {
    const sent = patternBytes(20_000, 14);
    const { received, stats, rig } = writeAll(sent, { baud: BAUD, tx: { stall: 1e-3, stallMs: 50 }, seed: 7 });
    expect(received.equals(sent)).toBe(true);
    expect(stats.tx.stalls).toBe(EXACT.stalls);
    expectNear(stats.tx.stalls, 20_000, 1e-3);
    expect(stats.tx.stalledMs).toBe(stats.tx.stalls * 50);
    // Every stall is a 50 ms hole in an otherwise steady stream, and the total time grows by it.
    const times = rig.inner.written.map((w) => w.at);
    const holes = times.slice(1).filter((t, i) => t - times[i] >= 50);
    expect(holes).toHaveLength(stats.tx.stalls);
    expect(timeOfByte(rig.inner.written, 20_000)).toBeCloseTo((20_000 - 16) * BYTE_MS + stats.tx.stalls * 50, 6);
  });

  it('stalls an unthrottled line too: each byte waits stallMs when every byte stalls', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { tx: { stall: 1, stallMs: 10 }, scheduler: rig.scheduler });
    void model.write(Buffer.from('abc'));
    expect(rig.inner.written).toHaveLength(0);
    rig.runAll();
    expect(rig.inner.written.map((w) => [w.at, w.bytes.toString()])).toEqual([
      [10, 'a'],
      [20, 'b'],
      [30, 'c'],
    ]);
  });

  it('applies each direction its own faults', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { tx: { drop: 0.5 }, seed: 7, scheduler: rig.scheduler });
    const got = recordArrivals(model.data$, rig.now);
    const data = patternBytes(10_000, 15);
    void model.write(data);
    rig.inner.feed(data);
    expect(got.bytes().equals(data)).toBe(true);
    expect(total(rig.inner.written)).toBe(10_000 - model.stats().tx.drops);
    expectNear(model.stats().tx.drops, 10_000, 0.5);
    expect(model.stats().rx).toMatchObject({ bytes: 10_000, drops: 0, bitErrors: 0, stalls: 0 });
  });

  it('replays the same faults from the same seed, and others from another', () => {
    const sent = patternBytes(50_000, 16);
    const options = { faults: { bitError: 1e-3, drop: 1e-3 } };
    const a = writeAll(sent, { ...options, seed: 99 }).received;
    const b = writeAll(sent, { ...options, seed: 99 }).received;
    const c = writeAll(sent, { ...options, seed: 100 }).received;
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('reports a random seed that replays the run', () => {
    const sent = patternBytes(50_000, 17);
    const first = writeAll(sent, { faults: { bitError: 1e-3 } });
    const again = writeAll(sent, { faults: { bitError: 1e-3 }, seed: first.stats.seed });
    expect(again.received.equals(first.received)).toBe(true);
    expect(first.stats.tx.bitErrors).toBeGreaterThan(0);
  });

  it('passes bytes unchanged at zero rates, throttled or not', () => {
    for (const baud of [undefined, BAUD]) {
      const rig = createVirtualRig();
      const model = createLineModel(rig.inner, { baud, faults: { bitError: 0, drop: 0, stall: 0 }, scheduler: rig.scheduler });
      const got = recordArrivals(model.data$, rig.now);
      const data = patternBytes(30_000, 18);
      void model.write(data);
      rig.inner.feed(data);
      rig.runAll();
      expect(Buffer.concat(rig.inner.written.map((w) => w.bytes)).equals(data)).toBe(true);
      expect(got.bytes().equals(data)).toBe(true);
      expect(model.stats()).toMatchObject({ tx: { bytes: 30_000, bitErrors: 0, drops: 0, stalls: 0 }, rx: { bytes: 30_000, bitErrors: 0, drops: 0, stalls: 0 } });
    }
  });

  it('never changes the bytes a writer handed in, even when flipping them on the wire', () => {
    const sent = patternBytes(5000, 19);
    const copy = Buffer.from(sent);
    const { stats } = writeAll(sent, { tx: { bitError: 0.1 }, seed: 7 });
    expect(stats.tx.bitErrors).toBeGreaterThan(0);
    expect(sent.equals(copy)).toBe(true);
  });
});

const EXACT = { bitErrors: 194, drops: 197, mixedDrops: 57, mixedBitErrors: 53, stalls: 21 };
