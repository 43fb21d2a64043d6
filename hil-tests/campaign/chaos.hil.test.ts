import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { describeNeeding } from '../support/board-target.js';
import { startCli, takeLine } from '../sim/cli-process.js';
import { DEFAULT_CHAOS, runChaos } from '../../bridge/campaign/run-chaos.js';
import type { ChaosReport } from '../../bridge/campaign/chaos-report.js';
import { createLogger } from '../../bridge/log.js';

// Power-cut campaigns against a real Mosquitto: a virtual DL-7450 whose app publishes and
// receives QoS 0/1/2 while its power is cut at seeded random moments, every message accounted.

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.stop());

const quiet = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));
const plan = (r: ChaosReport) => r.cutLog.map((c) => [c.uptimeMs, c.offMs, c.profile]);

describeNeeding(['app-choice', 'power'], 'chaos campaigns', () => {
  it('50 seeded cuts: no acknowledged QoS 1/2 message lost, no QoS 2 duplicate, a will for every cut', { timeout: 180_000 }, async () => {
    const r = await runChaos({ ...DEFAULT_CHAOS, cuts: 50, seed: 50, broker: broker.url }, quiet);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.boots).toBe(51);
    for (const qos of [1, 2] as const) {
      for (const way of [r.summary.up[qos], r.summary.down[qos]]) {
        expect(way.sent).toBeGreaterThan(100); // the cuts landed in real traffic
        expect(way.lost).toBe(0);
      }
    }
    expect(r.summary.up[2].duplicated).toBe(0);
    expect(r.summary.down[2].duplicated).toBe(0);
    // Every cut found the app connected (uptime >= 150 ms), so every cut owed a will.
    expect(r.wills.received).toBe(50);
    expect(r.cutLog.every((c) => c.ok && c.steps.some((s) => s.startsWith('will ')))).toBe(true);
  });

  it('is reproducible: the same seed gives the same cuts, another seed others', async () => {
    const options = { ...DEFAULT_CHAOS, cuts: 3, broker: broker.url };
    const [a, b, c] = [await runChaos({ ...options, seed: 9 }, quiet), await runChaos({ ...options, seed: 9 }, quiet), await runChaos({ ...options, seed: 10 }, quiet)];
    expect(plan(a)).toEqual(plan(b));
    expect(plan(a)).not.toEqual(plan(c));
    expect([a.passed, b.passed, c.passed]).toEqual([true, true, true]);
  });

  it('with no --broker, runs against a Mosquitto of its own when there is one, and passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dl7450-chaos-own-'));
    try {
      const report = join(dir, 'report.json');
      const p = startCli(['chaos', '--cuts', '3', '--seed', '5', '--report', report]);
      const exit = await p.exited;
      const json = JSON.parse(await readFile(report, 'utf8')) as ChaosReport;
      if (broker.kind === 'mosquitto') {
        expect(p.text()).toMatch(/^broker: own Mosquitto \(.*mosquitto\), on a free 127\.0\.0\.1 port, started for this run$/m);
        expect(json.broker).toMatch(/^own Mosquitto/);
        expect(exit, p.text()).toBe(0);
        expect(json.passed).toBe(true);
      } else {
        expect(p.text()).toMatch(/^broker: embedded Aedes \(mosquitto is not installed\)/m);
        expect(json.broker).toBe('embedded Aedes');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C ends it early with the report of the cuts made, and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dl7450-chaos-int-'));
    try {
      const report = join(dir, 'report.json');
      const scratch = join(dir, 'tmp');
      await mkdir(scratch);
      const p = startCli(['chaos', '--cuts', '1000', '--seed', '4', '--report', report], { ...process.env, TMPDIR: scratch });
      await takeLine(p, /^broker: /);
      p.signal('SIGINT');
      expect(await p.exited, p.text()).toBe(130);
      expect(p.text()).toMatch(/^\[stderr\] SIGINT: finishing the cut under way, then the drain and the report/m);
      expect(p.text()).toMatch(/^INTERRUPTED after \d+ of 1000 cuts: the verdict below covers those\.$/m);
      const json = JSON.parse(await readFile(report, 'utf8')) as ChaosReport;
      expect(json.interrupted).toEqual({ requestedCuts: 1000 });
      expect(json.cuts).toBeLessThan(1000);
      expect(json.cutLog).toHaveLength(json.cuts);
      // tsx keeps its compile cache there too
      expect((await readdir(scratch)).filter((f) => f.startsWith('dl7450-'))).toEqual([]); // rig and broker folders removed
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('dl7450-bridge chaos prints the table and writes the JSON report; bad options exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dl7450-chaos-cli-'));
    try {
      const report = join(dir, 'report.json');
      const p = startCli(['chaos', '--cuts', '2', '--seed', '3', '--broker', broker.url.replace(/^mqtt:/, 'tcp:'), '--report', report]);
      expect(await p.exited, p.text()).toBe(0);
      expect(p.text()).toMatch(/chaos: 2 cuts, seed 3 \(replay with --seed 3\), profiles rst,fin/);
      expect(p.text()).toMatch(/^board -> broker +2 +\d+/m);
      expect(p.text()).toMatch(/^PASS: /m);
      const json = JSON.parse(await readFile(report, 'utf8')) as ChaosReport;
      expect(json).toMatchObject({ seed: 3, cuts: 2, passed: true });
      for (const [args, message] of [
        [[], /give --cuts <N>/],
        [['--cuts', 'many'], /--cuts must be a number/],
        [['--cuts', '2', '--profiles', 'rst,yank'], /--profiles: "yank" is not one of rst, fin, silent/],
        [['--cuts', '2', '--uptime', '500-100'], /--uptime must be a range of ms/],
      ] as const) {
        const bad = startCli(['chaos', ...args]);
        expect(await bad.exited).toBe(2);
        expect(bad.text()).toMatch(message);
        expect(bad.text()).not.toMatch(/^chaos: /m); // refused before anything starts
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
