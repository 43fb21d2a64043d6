import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';
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
  });
});
