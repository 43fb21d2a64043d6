import { describe, expect, it } from 'vitest';
import { parseDurationMs } from './parse-duration.js';
import { UsageError } from './usage-error.js';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1.5', 1_500],
    ['30', 30_000],
    ['0.25s', 250],
    [' 10s ', 10_000],
    ['1440m', 24 * 3600_000],
  ])('reads %j as %i ms', (raw, ms) => {
    expect(parseDurationMs('duration', raw, 1)).toBe(ms);
  });

  it('falls back when the option is absent', () => {
    expect(parseDurationMs('duration', undefined, 4321)).toBe(4321);
  });

  it.each(['', 'abc', '10h', '-1s', '0', '0ms', '1e3', '.5s', '10 s', '1441m', 'Infinity'])('refuses %j with a UsageError naming the option', (raw) => {
    let error: unknown;
    try {
      parseDurationMs('drain', raw, 1000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('--drain');
    expect((error as Error).message).toContain(`"${raw}"`);
  });

  it('never returns a zero duration (0.4ms would round to 0)', () => {
    let result: number | undefined;
    try {
      result = parseDurationMs('interval', '0.4ms', 1000);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return;
    }
    expect(result).toBeGreaterThan(0);
  });
});
