import { describe, expect, it } from 'vitest';
import { parseLineModelSpec } from './line-model-spec.js';
import { createLineModel } from './line-model.js';
import { createVirtualRig } from './test-support/virtual-line.js';

describe('parseLineModelSpec', () => {
  it('parses the full form', () => {
    expect(parseLineModelSpec('baud=115200,biterr=1e-5,drop=1e-6,stall=1e-6:50ms,seed=7')).toEqual({
      baud: 115_200,
      faults: { bitError: 1e-5, drop: 1e-6, stall: 1e-6, stallMs: 50 },
      seed: 7,
    });
  });

  it('takes one-way faults, a burst, other time units and spaces', () => {
    expect(parseLineModelSpec(' baud=9600 , burst=64, tx.drop=0.01, rx.biterr=.5, rx.stall=1e-3:0.2s, tx.stall=1e-4:500us ')).toEqual({
      baud: 9600,
      burstBytes: 64,
      tx: { drop: 0.01, stall: 1e-4, stallMs: 0.5 },
      rx: { bitError: 0.5, stall: 1e-3, stallMs: 200 },
    });
  });

  it('gives empty options (a clean, unthrottled line) for an empty spec', () => {
    expect(parseLineModelSpec('')).toEqual({});
  });

  it.each([
    ['baud=-5', /baud must be > 0, got -5/],
    ['drop=-0.1', /drop must be a probability per byte in 0..1, got -0.1/],
    ['baud=0', /baud must be > 0/],
    ['baud=fast', /baud must be a number/],
    ['biterr=2', /biterr must be a probability per byte in 0..1, got 2/],
    ['drop=0x10', /drop must be a number/],
    ['stall=1e-6', /stall must be rate:duration, e.g. stall=1e-6:50ms/],
    ['stall=1e-6:50', /duration must be a number with a unit/],
    ['stall=1e-6:50min', /duration must be a number with a unit/],
    ['stall=1e-6:0ms', /duration must be > 0/],
    ['burst=0', /burst must be an integer >= 1/],
    ['seed=1.5', /seed must be an integer/],
    ['seed=99999999999', /seed must be an integer/],
    ['speed=9600', /unknown key "speed"/],
    ['tx.baud=9600', /unknown key "tx.baud"/],
    ['faults.drop=0.1', /unknown key "faults.drop"/],
    ['up.drop=0.1', /unknown key "up.drop"/],
    ['baud', /"baud" is not key=value/],
    ['drop=0.1,drop=0.2', /drop is given twice/],
  ])('refuses %s, naming what is wrong', (spec, message) => {
    expect(() => parseLineModelSpec(spec)).toThrow(TypeError);
    expect(() => parseLineModelSpec(spec)).toThrow(message);
    expect(() => parseLineModelSpec(spec)).toThrow(`line model spec "${spec}"`);
  });

  it('gives options createLineModel takes', () => {
    const rig = createVirtualRig();
    const model = createLineModel(rig.inner, { ...parseLineModelSpec('baud=115200,drop=1,seed=7'), scheduler: rig.scheduler });
    void model.write(Buffer.from('gone'));
    expect(model.stats()).toMatchObject({ seed: 7, tx: { drops: 4, bytes: 0 } });
  });
});
