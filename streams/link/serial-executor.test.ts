import { describe, expect, it } from 'vitest';
import { createSerialExecutor } from './serial-executor.js';

describe('createSerialExecutor', () => {
  it('runs what a handler causes after it, in order, each once, then calls onIdle once', () => {
    const seen: number[] = [];
    let idle = 0;
    const exec = createSerialExecutor(() => idle++);
    exec.run(() => {
      seen.push(0);
      for (let i = 1; i <= 200_000; i++) exec.runWith((n: number) => seen.push(n), i);
      exec.run(() => exec.runWith((n: number) => seen.push(n), -1)); // queued by a queued one
      seen.push(0.5); // the handler itself finishes first
    });
    expect(seen.length).toBe(200_003);
    expect(seen.slice(0, 3)).toEqual([0, 0.5, 1]);
    expect(seen[200_001]).toBe(200_000);
    expect(seen[200_002]).toBe(-1);
    expect(seen.slice(2, 200_002).every((n, i) => n === i + 1)).toBe(true);
    expect(idle).toBe(1);
  });

  it('is free again after a handler throws, and the error reaches the caller', () => {
    const exec = createSerialExecutor();
    expect(() => exec.run(() => { throw new Error('boom'); })).toThrow('boom');
    let ran = false;
    exec.run(() => (ran = true));
    expect(ran).toBe(true);
  });
});
