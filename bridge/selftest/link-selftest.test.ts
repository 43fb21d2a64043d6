import { describe, expect, it } from 'vitest';
import { runLinkSelftest } from './link-selftest.js';
import { DEFAULT_SELFTEST } from './selftest-options.js';

describe('link self-test over a real pty (bridge-owned) with a serialport board side', () => {
  it('recovers every packet and every intact frame despite heavy injected faults', async () => {
    const faults = { drop: 0.03, corrupt: 0.05, duplicate: 0.03, truncate: 0.05, garbage: 0.1, text: 0.05 };
    const progress: number[] = [];
    const r = await runLinkSelftest({ ...DEFAULT_SELFTEST, packets: 400, seed: 7, faults }, (n) => progress.push(n));
    expect(r.failure).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.packetsDelivered).toBe(400);
    expect(r.host.framesIn).toBe(r.intactFramesSent);
    // The faults really happened and were really handled.
    for (const kind of ['garbage', 'truncate', 'corrupt', 'text'] as const) expect(r.injected[kind]).toBeGreaterThan(0);
    expect(r.host.dropped.crc).toBeGreaterThan(0);
    expect(r.host.dropped.truncated).toBeGreaterThan(0);
    // Text glued to noise is not text any more; the rest must surface as console lines.
    expect(r.host.consoleLines).toBeGreaterThan(0);
    expect(r.board.retransmits).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(400);
  });

  it('stopped early: drains the line and checks what was delivered by then', async () => {
    const stop = new AbortController();
    const r = await runLinkSelftest({ ...DEFAULT_SELFTEST, packets: 20_000, seed: 5 }, (n) => n === 40 && stop.abort('SIGINT'), stop.signal);
    expect(r.interrupted).toBe(true);
    expect(r.packetsDelivered).toBeGreaterThanOrEqual(40);
    expect(r.packetsDelivered).toBeLessThan(20_000);
    expect(r.failure).toBeUndefined(); // in order, and every intact frame recovered
    expect(r.host.framesIn).toBe(r.intactFramesSent);
  });

  it('fails, and says why, when the line loses everything', async () => {
    const r = await runLinkSelftest({ ...DEFAULT_SELFTEST, packets: 5, timeoutMs: 1500, faults: { ...DEFAULT_SELFTEST.faults, drop: 1 } }, () => undefined);
    expect(r.passed).toBe(false);
    expect(r.failure).toMatch(/timed out after 1500 ms with 0\/5 packets delivered/);
  });
});
