import { describe, expect, it } from 'vitest';
import { Subject, map, mergeMap, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { aroundEach } from './around-each.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('aroundEach', () => {
  it('passes values, errors and completion through unchanged (marbles)', () => {
    ts().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-#', { a: 1, b: 2 });
      expectObservable(source.pipe(aroundEach((run) => run()))).toBe('-a-b-#', { a: 1, b: 2 });
      expectObservable(cold('-a-|', { a: 1 }).pipe(aroundEach((run) => run()))).toBe('-a-|', { a: 1 });
      const never = cold('-');
      expectObservable(never.pipe(aroundEach((run) => run())), '^--!').toBe('');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('brackets all the synchronous downstream work of one value, and only it', () => {
    const log: string[] = [];
    const chunks = new Subject<string>();
    chunks
      .pipe(
        aroundEach((run) => {
          log.push('(');
          run();
          log.push(')');
        }),
        // One chunk becomes several packets, each handled before the bracket closes.
        mergeMap((chunk) => of(...chunk.split(''))),
        map((p) => p.toUpperCase()),
      )
      .subscribe((p) => log.push(p));
    chunks.next('ab');
    chunks.next('c');
    expect(log.join('')).toBe('(AB)(C)');
  });
});
