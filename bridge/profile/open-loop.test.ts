import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runOpenLoop } from './open-loop.js';

const MS = 1_000_000n;
/** The loop's clock is Date.now(), which vitest's fake timers move along with setTimeout. */
const fakeNow = () => BigInt(Date.now()) * MS;

interface Sent {
  seq: number;
  intended: bigint;
  at: bigint;
}

describe('runOpenLoop (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const run = async (ratePerSecond: number, durationMs: number, onSend?: (s: Sent) => void) => {
    const sent: Sent[] = [];
    const start = fakeNow();
    const done = runOpenLoop({
      ratePerSecond,
      durationMs,
      now: fakeNow,
      send: (seq, intended) => {
        const s = { seq, intended, at: fakeNow() };
        sent.push(s);
        onSend?.(s);
      },
    });
    await vi.runAllTimersAsync();
    return { count: await done, sent, start };
  };

  it('sends message n at start + n / rate, on time while nothing stalls', async () => {
    const { count, sent, start } = await run(100, 100);
    expect(count).toBe(10);
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sent.map((s) => s.intended - start)).toEqual(sent.map((s) => BigInt(s.seq) * 10n * MS));
    expect(sent.map((s) => s.at)).toEqual(sent.map((s) => s.intended));
  });

  it.each([
    [1000, 10, 10],
    [100, 30, 3],
    [250, 8, 2],
    [999, 1, 0],
    [2000, 50, 100],
    [0, 100, 0],
  ])('sends exactly floor(%i ms x %i/s) = %i messages', async (durationMs, rate, expected) => {
    const { count, sent } = await run(rate, durationMs);
    expect(count).toBe(expected);
    expect(sent).toHaveLength(expected);
  });

  it('sends exactly floor(duration x rate) when the product is whole but floats miss it (290 ms at 100/s = 29)', async () => {
    const { count } = await run(100, 290);
    expect(count).toBe(29);
  });

  it('catches up after a stall by sending every due message at once, skipping none (no coordinated omission)', async () => {
    // The send of message 2 blocks the event loop for 55 ms.
    const { count, sent, start } = await run(100, 100, (s) => {
      if (s.seq === 2) vi.setSystemTime(Date.now() + 55);
    });
    expect(count).toBe(10);
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The schedule does not move: each message keeps the time it was meant for...
    expect(sent.map((s) => Number((s.intended - start) / MS))).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // ...and messages 3-7, all due when the loop runs again (75 ms, or a timer tick later), go
    // out together then; 8 and 9 are on time again.
    const at = sent.map((s) => Number((s.at - start) / MS));
    expect(at.slice(0, 3)).toEqual([0, 10, 20]);
    expect(new Set(at.slice(3, 8)).size).toBe(1);
    expect(at[3]).toBeGreaterThanOrEqual(75);
    expect(at[3]).toBeLessThan(80);
    expect(at.slice(8)).toEqual([80, 90]);
  });

  it('stops at the abort signal and resolves with the number sent', async () => {
    const controller = new AbortController();
    const sent: number[] = [];
    const done = runOpenLoop({ ratePerSecond: 100, durationMs: 1000, now: fakeNow, signal: controller.signal, send: (seq) => sent.push(seq) });
    await vi.advanceTimersByTimeAsync(25);
    expect(sent).toEqual([0, 1, 2]);
    controller.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await done).toBe(3);
    expect(sent).toEqual([0, 1, 2]);
  });

  it('an abort from inside send() stops a catch-up burst at once', async () => {
    const controller = new AbortController();
    const sent: number[] = [];
    let clock = 0n;
    // The clock jumps 50 ms at once: five messages are due in one tick.
    const done = runOpenLoop({ ratePerSecond: 100, durationMs: 1000, now: () => clock, signal: controller.signal, send: (seq) => (sent.push(seq), seq === 2 && controller.abort()) });
    clock = 50n * MS;
    await vi.advanceTimersByTimeAsync(20);
    expect(await done).toBe(3);
    expect(sent).toEqual([0, 1, 2]);
  });

  it('sends nothing when aborted before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const send = vi.fn();
    const done = runOpenLoop({ ratePerSecond: 100, durationMs: 1000, now: fakeNow, signal: controller.signal, send });
    await vi.runAllTimersAsync();
    expect(await done).toBe(0);
    expect(send).not.toHaveBeenCalled();
  });
});

describe('runOpenLoop (real short timers)', () => {
  it('spaces intended times by 1/rate even when the period is not a whole number of ms', async () => {
    const intended: bigint[] = [];
    const count = await runOpenLoop({ ratePerSecond: 300, durationMs: 20, send: (_seq, at) => intended.push(at) });
    expect(count).toBe(6);
    expect(intended.map((t) => t - intended[0])).toEqual([0n, 3333333n, 6666667n, 10000000n, 13333333n, 16666667n]);
  });

  it('never sends a message before its time', async () => {
    const late: bigint[] = [];
    await runOpenLoop({ ratePerSecond: 500, durationMs: 20, send: (_seq, intended) => late.push(process.hrtime.bigint() - intended) });
    expect(late).toHaveLength(10);
    for (const l of late) expect(l >= 0n).toBe(true);
  });
});
