import { describe, expect, it } from 'vitest';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import { trackedWrites, type WriteProgress } from './tracked-writes.js';

/** A sink whose writes complete only when the test says so. */
function manualSink() {
  const waiting: { item: string; resolve(): void; reject(e: Error): void }[] = [];
  return {
    write: (item: string) => new Promise<void>((resolve, reject) => waiting.push({ item, resolve, reject })),
    waiting,
  };
}
const flush = () => new Promise((r) => setImmediate(r));
const show = (p: WriteProgress<string>) => (p.type === 'pending' ? `p${p.bytes}` : p.type === 'written' ? `w:${p.item}` : `f:${p.item}`);

describe('trackedWrites', () => {
  it('reports the bytes in flight and each completion, in order, even when the sink settles out of order', async () => {
    const sink = manualSink();
    const src = new Subject<string>();
    const seen: string[] = [];
    src.pipe(trackedWrites(sink.write, (s) => s.length)).subscribe((p) => seen.push(show(p)));
    src.next('aa');
    src.next('bbb');
    expect(seen).toEqual(['p2', 'p5']);
    sink.waiting[1].resolve(); // the second settles first: reported only after the first
    await flush();
    expect(seen).toEqual(['p2', 'p5']);
    sink.waiting[0].resolve();
    await flush();
    expect(seen).toEqual(['p2', 'p5', 'w:aa', 'p3', 'w:bbb', 'p0']);
  });

  it('reports a failed write and carries on', async () => {
    const sink = manualSink();
    const src = new Subject<string>();
    const all = lastValueFrom(src.pipe(trackedWrites(sink.write, (s) => s.length), toArray()));
    src.next('x');
    src.next('yy');
    sink.waiting[0].reject(new Error('socket closed'));
    sink.waiting[1].resolve();
    src.complete();
    expect((await all).map(show)).toEqual(['p1', 'p3', 'f:x', 'p2', 'w:yy', 'p0']);
  });

  it('completes only after the writes in flight settled, and reports nothing after unsubscribe', async () => {
    const sink = manualSink();
    const src = new Subject<string>();
    const seen: string[] = [];
    let completed = false;
    const sub = src.pipe(trackedWrites(sink.write, (s) => s.length)).subscribe({ next: (p) => seen.push(show(p)), complete: () => (completed = true) });
    src.next('abc');
    src.complete();
    await flush();
    expect(completed).toBe(false);
    sink.waiting[0].resolve();
    await flush();
    expect(completed).toBe(true);
    const src2 = new Subject<string>();
    const seen2: string[] = [];
    const sub2 = src2.pipe(trackedWrites(sink.write, (s) => s.length)).subscribe((p) => seen2.push(show(p)));
    src2.next('zz');
    sub2.unsubscribe();
    sink.waiting[1].resolve();
    await flush();
    expect(seen2).toEqual(['p2']);
    sub.unsubscribe();
  });
});
