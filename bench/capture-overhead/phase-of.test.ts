import { describe, expect, it } from 'vitest';
import { phaseOf } from './phase-of.js';

const ms = (n: number) => BigInt(n * 1_000_000);
const PHASE = ms(250);
const GUARD = ms(10);

describe('phaseOf', () => {
  it('counts a publish sent past the guard and confirmed within its phase to that phase', () => {
    expect(phaseOf(ms(20), ms(21), PHASE, GUARD)).toBe(0);
    expect(phaseOf(ms(270), ms(499), PHASE, GUARD)).toBe(1);
    expect(phaseOf(ms(520), ms(600), PHASE, GUARD)).toBe(0);
  });

  it('leaves out a publish sent within the guard, when the capture switch may not have come yet', () => {
    expect(phaseOf(ms(250), ms(260), PHASE, GUARD)).toBeUndefined();
    expect(phaseOf(ms(259), ms(260), PHASE, GUARD)).toBeUndefined();
    expect(phaseOf(ms(260), ms(261), PHASE, GUARD)).toBe(1);
  });

  it('leaves out a publish confirmed in the next phase, which saw both sides', () => {
    expect(phaseOf(ms(240), ms(250), PHASE, GUARD)).toBeUndefined();
    expect(phaseOf(ms(240), ms(249), PHASE, GUARD)).toBe(0);
  });

  it('counts nothing when phases are off', () => {
    expect(phaseOf(ms(20), ms(21), 0n, GUARD)).toBeUndefined();
  });
});
