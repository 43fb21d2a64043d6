import { describe, expect, it } from 'vitest';
import { patternBytes } from '../test-support/bytes.js';
import { createLineModel } from './line-model.js';
import { createVirtualRig, recordArrivals, timeOfByte, total } from './test-support/virtual-line.js';

// The pace of a 115 200 baud 8N1 line, in virtual time: 11 520 bytes a second each way, with a
// 16-byte burst allowed ahead of the wire.

const BAUD = 115_200;
const BYTE_MS = 10_000 / BAUD;
const BURST = 16;
/** When byte n (1-based) of a busy period may be handed on. */
const releaseOf = (n: number): number => Math.max(0, (n - BURST) * BYTE_MS);

describe('line model: throttle', () => {
  it('writes 11 520 bytes in 1 s less one burst, exactly, and no faster at any point', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    const data = patternBytes(11_520, 1);
    void model.write(data);

    expect(total(rig.inner.written)).toBe(BURST); // the FIFO's worth goes at once
    rig.runTo(250);
    expect(total(rig.inner.written)).toBe(2880 + BURST);
    rig.runTo(500);
    expect(total(rig.inner.written)).toBe(5760 + BURST);
    rig.runTo(releaseOf(11_520) - 1e-6);
    expect(total(rig.inner.written)).toBe(11_519);
    rig.runAll();

    expect(Buffer.concat(rig.inner.written.map((w) => w.bytes)).equals(data)).toBe(true);
    const last = rig.inner.written[rig.inner.written.length - 1].at;
    expect(last).toBeCloseTo(1000 - BURST * BYTE_MS, 9);
    expect(last).toBeGreaterThanOrEqual(1000 - BURST * BYTE_MS - 1e-9);
    // No hand-on carries more than the bucket allows.
    expect(Math.max(...rig.inner.written.map((w) => w.bytes.length))).toBeLessThanOrEqual(BURST);
  });

  it('releases bytes read from the inner line at the same pace', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    const got = recordArrivals(model.data$, rig.now);
    const data = patternBytes(11_520, 2);
    rig.inner.feed(data.subarray(0, 5000));
    rig.inner.feed(data.subarray(5000));

    expect(total(got.arrivals)).toBe(BURST);
    rig.runTo(500);
    expect(total(got.arrivals)).toBe(5760 + BURST);
    rig.runAll();
    expect(got.bytes().equals(data)).toBe(true);
    expect(timeOfByte(got.arrivals, 11_520)).toBeCloseTo(1000 - BURST * BYTE_MS, 9);
  });

  it('paces the two directions independently: a full second each way takes one second, not two', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    const got = recordArrivals(model.data$, rig.now);
    void model.write(patternBytes(11_520, 3));
    rig.inner.feed(patternBytes(11_520, 4));
    rig.runAll();
    expect(timeOfByte(rig.inner.written, 11_520)).toBeCloseTo(releaseOf(11_520), 9);
    expect(timeOfByte(got.arrivals, 11_520)).toBeCloseTo(releaseOf(11_520), 9);
  });

  it('keeps many small writes in order at the line rate', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    const chunks = Array.from({ length: 360 }, (_, i) => patternBytes(32, 100 + i));
    for (const chunk of chunks) void model.write(chunk);
    rig.runAll();
    expect(Buffer.concat(rig.inner.written.map((w) => w.bytes)).equals(Buffer.concat(chunks))).toBe(true);
    expect(timeOfByte(rig.inner.written, 11_520)).toBeCloseTo(releaseOf(11_520), 9);
  });

  it('resolves awaited writes at the line rate, in order, so a writer is paced as by a UART drain', async () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    const resolvedAt: number[] = [];
    const writer = (async () => {
      for (let i = 0; i < 10; i++) {
        await model.write(patternBytes(1152, i)); // 100 ms of line time each
        resolvedAt.push(rig.now());
      }
    })();
    await rig.settleTo(2000);
    await writer;
    // Each write resolves when its last byte is handed on: the wire never idles between them,
    // so only the very first burst runs ahead.
    expect(resolvedAt).toHaveLength(10);
    resolvedAt.forEach((at, i) => expect(at).toBeCloseTo(releaseOf(1152 * (i + 1)), 6));
  });

  it('gives a full burst again after the line has been idle', async () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    void model.write(patternBytes(100, 1));
    rig.runTo(50); // 100 bytes need ~8.7 ms: the line is long idle
    const before = total(rig.inner.written);
    void model.write(patternBytes(40, 2));
    expect(total(rig.inner.written) - before).toBe(BURST);
    rig.runTo(50 + (40 - BURST) * BYTE_MS - 1e-6);
    expect(total(rig.inner.written) - before).toBe(39);
    rig.runAll();
    expect(timeOfByte(rig.inner.written, 140)).toBeCloseTo(50 + (40 - BURST) * BYTE_MS, 9);
  });

  it('resolves a write only once the inner line took the bytes, and passes on its refusal', async () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    let take: () => void = () => undefined;
    rig.inner.writeResult = () => new Promise<void>((resolve) => (take = resolve));
    let resolved = false;
    const first = model.write(Buffer.from('hello')).then(() => (resolved = true));
    await rig.settleTo(10);
    expect(rig.inner.written).toHaveLength(1);
    expect(resolved).toBe(false);
    take();
    await first;
    expect(resolved).toBe(true);

    rig.inner.writeResult = () => Promise.reject(new Error('cable pulled'));
    await expect(model.write(Buffer.from('again'))).rejects.toThrow('cable pulled');
  });

  it('reports the queue depth each way as bytes wait for the wire', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    recordArrivals(model.data$, rig.now);
    void model.write(patternBytes(1000, 1));
    rig.inner.feed(patternBytes(600, 2));
    expect(model.stats().tx).toMatchObject({ bytes: BURST, queued: 1000 - BURST });
    expect(model.stats().rx).toMatchObject({ bytes: BURST, queued: 600 - BURST });
    rig.runTo(releaseOf(600));
    expect(model.stats().rx).toMatchObject({ bytes: 600, queued: 0 });
    expect(model.stats().tx.queued).toBe(400);
    rig.runAll();
    expect(model.stats().tx).toMatchObject({ bytes: 1000, queued: 0, drops: 0, bitErrors: 0, stalls: 0 });
  });

  it('takes a new rate mid-stream from where the wire stands', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: 9600, scheduler: rig.scheduler });
    void model.write(patternBytes(2000, 1));
    rig.runTo(500);
    expect(total(rig.inner.written)).toBe(480 + BURST);
    model.setOptions({ baud: 96_000 });
    rig.runAll();
    // The 496 bytes already handed on occupy the 9600 baud wire until 496 x 1.0417 ms; the
    // remaining 1504 follow at 96 000 baud from there, a burst ahead as always.
    const wireAt = (496 * 10_000) / 9600;
    expect(timeOfByte(rig.inner.written, 2000)).toBeCloseTo(wireAt + ((1504 - BURST) * 10_000) / 96_000, 9);
    expect(total(rig.inner.written)).toBe(2000);
  });

  it('passes everything at once without a baud rate', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { scheduler: rig.scheduler });
    const got = recordArrivals(model.data$, rig.now);
    const data = patternBytes(100_000, 5);
    void model.write(data);
    rig.inner.feed(data);
    expect(rig.inner.written).toHaveLength(1);
    expect(rig.inner.written[0].bytes.equals(data)).toBe(true);
    expect(got.arrivals).toHaveLength(1);
    expect(got.bytes().equals(data)).toBe(true);
  });

  it('rejects pending writes and completes data$ on close, and writes nothing more', async () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    let completed = false;
    model.data$.subscribe({ complete: () => (completed = true) });
    const pending = model.write(patternBytes(1000, 1));
    model.close();
    await expect(pending).rejects.toThrow(/closed/);
    await expect(model.write(Buffer.from('x'))).rejects.toThrow(/closed/);
    rig.runAll();
    expect(total(rig.inner.written)).toBe(BURST);
    expect(completed).toBe(true);
    expect(rig.scheduler.actions).toHaveLength(0);
  });
});

describe('line model: dropUnsent (a power cut mid-frame)', () => {
  it('drops the unsent tail at once, mid-write, rejects its writer, and carries later writes normally', async () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: BAUD, scheduler: rig.scheduler });
    const cut = model.write(patternBytes(1000, 5));
    rig.runTo(25); // 25 ms: 288 bytes on the wire plus the burst
    const sent = total(rig.inner.written);
    expect(sent).toBe(288 + BURST);
    expect(model.dropUnsent()).toBe(1000 - sent);
    await expect(cut).rejects.toThrow(/dropped/);
    expect(model.stats().tx.queued).toBe(0);
    rig.runAll();
    expect(total(rig.inner.written)).toBe(sent); // nothing more of the cut write, ever

    const after = patternBytes(100, 6);
    const next = model.write(after);
    rig.runAll();
    await next;
    expect(Buffer.concat(rig.inner.written.map((w) => w.bytes)).subarray(sent).equals(after)).toBe(true);
  });
});
