import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { hysteresis } from './hysteresis.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('hysteresis (marbles)', () => {
  it('says congested at the high mark and clear only back at the low mark', () => {
    ts().run(({ cold, expectObservable }) => {
      const levels = cold('-a-b-c-d-e-f-|', { a: 10, b: 100, c: 150, d: 60, e: 50, f: 120 });
      expectObservable(levels.pipe(hysteresis({ high: 100, low: 50 }))).toBe('---t-----f-t-|', { t: true, f: false });
    });
  });

  it('passes errors and completion through, and stays silent on never', () => {
    ts().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<number>('-a-#', { a: 200 }).pipe(hysteresis({ high: 100, low: 50 }))).toBe('-t-#', { t: true });
      expectObservable(cold<number>('|').pipe(hysteresis({ high: 100, low: 50 }))).toBe('|');
      const never = cold<number>('-');
      expectObservable(never.pipe(hysteresis({ high: 100, low: 50 })), '^--!').toBe('');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('refuses marks that would flap', () => {
    expect(() => hysteresis({ high: 10, low: 10 })).toThrow(/low < high/);
    expect(() => hysteresis({ high: 10, low: -1 })).toThrow(RangeError);
  });
});
