import { describe, expect, it } from 'vitest';
import { patternBytes } from '../test-support/bytes.js';
import { createLineModel, type LineModelOptions } from './line-model.js';
import { createVirtualRig, total } from './test-support/virtual-line.js';

const create = (options: unknown) => {
  const rig = createVirtualRig();
  return createLineModel(rig.inner, { scheduler: rig.scheduler, ...(options as LineModelOptions) });
};

describe('line model: options', () => {
  it.each([
    [{ baud: -115_200 }, /"baud" must be a positive number/],
    [{ baud: 0 }, /"baud"/],
    [{ baud: Number.NaN }, /"baud"/],
    [{ baud: '115200' }, /"baud".*got "115200"/],
    [{ burstBytes: 0 }, /"burstBytes" must be an integer >= 1/],
    [{ burstBytes: 2.5 }, /"burstBytes"/],
    [{ faults: { bitError: 1.5 } }, /"faults.bitError" must be a probability per byte in 0..1, got 1.5/],
    [{ tx: { drop: -0.1 } }, /"tx.drop"/],
    [{ rx: { stall: 2 } }, /"rx.stall"/],
    [{ rx: { stall: 0.1 } }, /"rx.stallMs".*must be > 0/],
    [{ faults: { stall: 0.1, stallMs: -5 } }, /"faults.stallMs"/],
    [{ tx: { dorp: 0.1 } }, /unknown line model option "tx.dorp"/],
    [{ bod: 9600 }, /unknown line model option "bod"/],
    [{ faults: 0.1 }, /"faults" must be an object/],
    [{ seed: -1 }, /"seed"/],
    [{ seed: 1.5 }, /"seed"/],
    [{ scheduler: {} }, /"scheduler"/],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    expect(() => create(options)).toThrow(TypeError);
    expect(() => create(options)).toThrow(message);
  });

  it('takes a stall length from the shared faults for a one-way stall rate', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { faults: { stallMs: 20 }, tx: { stall: 1 }, scheduler: rig.scheduler });
    void model.write(Buffer.from('ab'));
    rig.runAll();
    expect(rig.inner.written.map((w) => w.at)).toEqual([20, 40]);
    expect(model.stats().rx.stalls).toBe(0);
  });

  it('refuses bad settings in setOptions and keeps the ones it had', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: 9600, scheduler: rig.scheduler });
    expect(() => model.setOptions({ baud: -1 })).toThrow(/"baud"/);
    expect(() => model.setOptions({ tx: { stall: 0.5 } })).toThrow(/"tx.stallMs"/);
    expect(() => model.setOptions({ seed: 3 } as never)).toThrow(/"seed" is fixed/);
    expect(() => model.setOptions({ scheduler: rig.scheduler } as never)).toThrow(/"scheduler" is fixed/);
    void model.write(patternBytes(976, 1));
    rig.runTo(999);
    expect(total(rig.inner.written)).toBe(975); // still 9600 baud: 960 bytes a second, plus the burst
  });

  it('merges setOptions over what was set, fault groups key by key', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { tx: { drop: 1, bitError: 0 }, seed: 1, scheduler: rig.scheduler });
    model.setOptions({ tx: { bitError: 0 } });
    void model.write(Buffer.from('lost'));
    expect(model.stats().tx.drops).toBe(4);
    model.setOptions({ tx: { drop: 0 } });
    void model.write(Buffer.from('kept'));
    expect(Buffer.concat(rig.inner.written.map((w) => w.bytes)).toString()).toBe('kept');
  });

  it('turns the throttle off with baud: undefined', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { baud: 300, scheduler: rig.scheduler });
    void model.write(patternBytes(1000, 1));
    expect(total(rig.inner.written)).toBe(16);
    model.setOptions({ baud: undefined });
    rig.runTo(rig.now() + 1000 * (10_000 / 300)); // at most the 16 bytes already on the 300 baud wire
    expect(total(rig.inner.written)).toBe(1000);
    expect(rig.inner.written[rig.inner.written.length - 1].at).toBeCloseTo((16 * 10_000) / 300, 9);
  });

  it('refuses a write that is not a Buffer', async () => {
    await expect(create({}).write('text' as never)).rejects.toThrow(TypeError);
  });
});
