import { describe, expect, it } from 'vitest';
import { map, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { hrNow, stampArrival, type ArrivalCell } from './clock.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('stampArrival', () => {
  it('passes values through unchanged and stamps each before the operators after it run', () => {
    let clock = 100n;
    const cell: ArrivalCell = { at: 0n };
    const seen: [string, bigint][] = [];
    const src = new Subject<string>();
    src
      .pipe(
        stampArrival(cell, () => clock++),
        map((v) => [v, cell.at] as [string, bigint]),
      )
      .subscribe((v) => seen.push(v));
    src.next('a');
    src.next('b');
    clock = 500n;
    src.next('c');
    expect(seen).toEqual([
      ['a', 100n],
      ['b', 101n],
      ['c', 500n],
    ]);
    expect(cell.at).toBe(500n);
  });

  it('passes values and errors through, completes on empty, and unsubscribes', () => {
    ts().run(({ cold, expectObservable, expectSubscriptions }) => {
      const cell: ArrivalCell = { at: 0n };
      expectObservable(cold('-a-b-#', { a: 1, b: 2 }, new Error('port gone')).pipe(stampArrival(cell, () => 7n))).toBe('-a-b-#', { a: 1, b: 2 }, new Error('port gone'));
      expectObservable(cold('|').pipe(stampArrival(cell, () => 9n))).toBe('|');
      const never = cold('-');
      expectObservable(never.pipe(stampArrival(cell)), '^--!').toBe('');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('does not stamp on error or completion', () => {
    const cell: ArrivalCell = { at: 3n };
    const src = new Subject<number>();
    src.pipe(stampArrival(cell, () => 99n)).subscribe({ error: () => undefined });
    src.error(new Error('x'));
    expect(cell.at).toBe(3n);
  });

  it('stamps on the monotonic clock by default', () => {
    const cell: ArrivalCell = { at: 0n };
    const before = hrNow();
    const src = new Subject<number>();
    src.pipe(stampArrival(cell)).subscribe();
    src.next(1);
    expect(cell.at >= before && cell.at <= hrNow()).toBe(true);
  });
});
