import { describe, expect, it } from 'vitest';
import { mergeTwinPatch, twinPatchProblem } from './twin-merge.js';

describe('twin patches', () => {
  it('merges objects at every depth, replaces the rest, and null removes', () => {
    const twin = { a: 1, nested: { keep: true, drop: 'x', deeper: { n: 1 } }, list: [1, 2], gone: 'y' };
    const merged = mergeTwinPatch(twin, { a: 2, nested: { drop: null, deeper: { m: 2 } }, list: [3], gone: null, added: { z: 0 } });
    expect(merged).toEqual({ a: 2, nested: { keep: true, deeper: { n: 1, m: 2 } }, list: [3], added: { z: 0 } });
    expect(twin.nested.drop).toBe('x'); // the original is untouched
  });

  it('replaces a scalar with an object and the other way round', () => {
    expect(mergeTwinPatch({ a: 1 }, { a: { b: 2 } })).toEqual({ a: { b: 2 } });
    expect(mergeTwinPatch({ a: { b: 2 } }, { a: 3 })).toEqual({ a: 3 });
  });

  it('refuses what IoT Hub refuses: non-objects, bad keys, too deep', () => {
    expect(twinPatchProblem({ ok: 1 })).toBeUndefined();
    expect(twinPatchProblem([1])).toMatch(/JSON object/);
    expect(twinPatchProblem('x')).toMatch(/JSON object/);
    for (const key of ['a.b', '$version', 'a b', 'a\u0001']) expect(twinPatchProblem({ [key]: 1 })).toMatch(/character/);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i++) deep = { d: deep };
    expect(twinPatchProblem(deep)).toMatch(/deep/);
  });
});
