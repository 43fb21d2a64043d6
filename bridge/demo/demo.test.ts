import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoInterrupted, runDemo } from './run-demo.js';
import { formatDemoReport } from './demo-report.js';
import { silentLogger } from '../log.js';

describe('dl7450-bridge demo', () => {
  it('carries QoS 0/1/2 both ways over a real pty and gets the will published when the line is cut', async () => {
    const steps: string[] = [];
    const r = await runDemo({ messages: 10, timeoutMs: 20_000 }, silentLogger, (s) => steps.push(s));
    expect(r.failure).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.flows).toHaveLength(6);
    for (const f of r.flows.filter((x) => x.qos > 0)) expect(f.received).toBe(f.sent);
    for (const f of r.flows.filter((x) => x.qos === 2)) expect(f.duplicates).toBe(0);
    expect(r.will?.payload).toBe('offline');
    expect(r.will?.publishedAfterMs).toBeGreaterThanOrEqual(r.will?.detectedAfterMs ?? Infinity);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(formatDemoReport(r)).toMatch(/^PASS/m);
    // Paced, not one burst: the latencies are each message's trip, not its wait in the client's queue.
    expect(formatDemoReport(r)).toMatch(/^latency: publish call to arrival, 200 messages\/s per QoS and direction$/m);
  });

  it('interrupted mid-way: stops at once and removes its pty folder and broker', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'demo-int-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      const stop = new AbortController();
      const run = runDemo({ messages: 10, timeoutMs: 20_000, signal: stop.signal }, silentLogger, (s) => s.startsWith('QoS 0/1/2 traffic') && stop.abort('SIGINT'));
      await expect(run).rejects.toBeInstanceOf(DemoInterrupted);
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
