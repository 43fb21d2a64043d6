import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { boardTarget } from '../support/board-target.js';
import { startCli, takeLine, type CliProcess } from '../sim/cli-process.js';
import { readTrace } from '../../bridge/profile/read-trace.js';
import type { TraceHeader, TraceMessage } from '../../bridge/profile/trace-format.js';

// `profile --port` against a board in another process that runs echo_app.py, as a physical
// DL-7450 would: the physical board itself when DL7450_PORT names one, else `sim`.

let broker: TestBroker;
let dir: string;
let sim: CliProcess | undefined;
let port: string;
beforeAll(async () => {
  broker = await startTestBroker();
  dir = await mkdtemp(join(tmpdir(), 'dl7450-profile-echo-'));
  if (boardTarget.port) {
    port = boardTarget.port;
  } else {
    port = join(dir, 'dl7450');
    const app = fileURLToPath(new URL('../apps/echo_app.py', import.meta.url));
    sim = startCli(['sim', '--app', app, '--tty', port, '--boot-delay', '0', '--log-level', 'warn']);
    await takeLine(sim, /attach with:/);
  }
}, 60_000);
afterAll(async () => {
  await sim?.kill();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

it(`profile --port: round trips through echo_app.py on ${boardTarget.name}, split at the bridge's stamps`, { timeout: 120_000 }, async () => {
  const out = join(dir, 'out');
  const cli = startCli(['profile', '--port', port, '--broker', broker.url, '--echo-prefix', boardTarget.echoPrefix, '--rate', '40', '--duration', '1s', '--out', out]);
  expect(await cli.exited, cli.text()).toBe(0);
  expect(cli.text()).toMatch(/messages: 40 sent, 40 received, 0 lost; MQTT flows left open: 0/);
  expect(cli.text()).toMatch(/^message echo qos1 +40 /m);

  const records = await readTrace(join(out, 'trace.jsonl'));
  const header = records[0] as TraceHeader;
  expect(header.workload.direction).toBe('echo');
  expect(header.clock.source).toBe('time-sync');
  // A board that answers TIME: the estimate is reported with its bound. Sim shares this
  // host's clock, so the true offset is 0 and must lie within the bound.
  if (!boardTarget.port) expect(Math.abs(header.clock.offsetNs)).toBeLessThanOrEqual(header.clock.boundNs);
  const messages = records.filter((r): r is TraceMessage => r.kind === 'message');
  expect(messages).toHaveLength(40);
  for (const m of messages) {
    expect(m.segments.map((s) => s.name)).toEqual(['schedule', 'broker', 'bridgeOut', 'serialOut', 'board', 'serialIn', 'bridgeIn', 'brokerBack']);
    expect(m.segments.reduce((a, s) => a + s.ns, 0)).toBe(m.latencyNs);
    // Causality across processes and the line: the echo cannot leave the board before its command arrived.
    expect(m.segments.find((s) => s.name === 'board')?.ns).toBeGreaterThan(0);
  }
  const flows = records.filter((r) => r.kind === 'flow');
  expect(flows.filter((f) => f.kind === 'flow' && f.flow === 'deliver-qos1')).toHaveLength(40);
  expect(flows.filter((f) => f.kind === 'flow' && f.flow === 'publish-qos1')).toHaveLength(40);
});
