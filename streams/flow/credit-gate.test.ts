import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { creditGate, type CreditEvent } from './credit-gate.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));
const f = (key: number): CreditEvent => ({ type: 'frame', key });
const b = (key: number, blocked: boolean): CreditEvent => ({ type: 'blocked', key, blocked });

describe('creditGate (marbles)', () => {
  it('frees a slot per frame while the socket keeps up, and holds them while it is congested', () => {
    ts().run(({ cold, expectObservable }) => {
      const events = cold('-a-B-c-d-e-U-|', { a: f(1), B: b(1, true), c: f(1), d: f(2), e: f(1), U: b(1, false) });
      expectObservable(events.pipe(creditGate())).toBe('-1-----1---2-|', { 1: 1, 2: 2 });
    });
  });

  it('releases what a closed connection held', () => {
    ts().run(({ cold, expectObservable }) => {
      const events = cold('-B-a-a-x|', { B: b(3, true), a: f(3), x: { type: 'forget', key: 3 } as CreditEvent });
      expectObservable(events.pipe(creditGate())).toBe('-------2|', { 2: 2 });
    });
  });

  it('passes errors through, stays silent on never, and unsubscribes', () => {
    ts().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<CreditEvent>('-a-#', { a: f(1) }).pipe(creditGate())).toBe('-1-#', { 1: 1 });
      const never = cold<CreditEvent>('-');
      expectObservable(never.pipe(creditGate()), '^-!').toBe('');
      expectSubscriptions(never.subscriptions).toBe('^-!');
    });
  });
});
