import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { connected } from '../support/bridge-bench.js';
import { startCli, takeLine, type CliProcess } from '../sim/cli-process.js';
import type { Timeline } from '../../bridge/strategies/timeline.js';

// `dl7450-bridge power` as a user runs it: a sim in one process (its power driver: signals by
// pid file), `run --config bench.yaml` in another, and `power cut|on|cycle <board>` finding that
// bridge by the board's name and printing the timeline. Each process gets a runtime folder of
// its own, so no other bridge on the machine is found.

const APP = `from mqtt import MqttClient, QOS1
import time
client = MqttClient('tcp://iot.example.com:1883', 'power-cli-board')
def on_connect(rc, flags):
    print('connected', rc)
    if rc == 0:
        client.subscribe(('power-cli/in', QOS1))
client.connect(on_connect, {'keep_alive': 30, 'will_topic': 'power-cli/status', 'will_qos': QOS1, 'will_message': 'offline'})
while True:
    time.sleep_ms(1000)
`;

let broker: TestBroker;
let dir: string;
let env: NodeJS.ProcessEnv;
let sim: CliProcess;
let bridge: CliProcess;
beforeAll(async () => {
  broker = await startTestBroker();
  dir = await mkdtemp(join(tmpdir(), 'dl7450-power-cli-'));
  env = { ...process.env, XDG_RUNTIME_DIR: join(dir, 'run') };
  await writeFile(join(dir, 'app.py'), APP);
  const tty = join(dir, 'dl7450');
  const pidFile = join(dir, 'sim.pid');
  sim = startCli(['sim', '--app', join(dir, 'app.py'), '--tty', tty, '--pid-file', pidFile, '--boot-delay', '0'], env);
  await takeLine(sim, /attach with:/);
  await writeFile(
    join(dir, 'bench.yaml'),
    `broker: ${broker.url.replace(/^mqtt:/, 'tcp:')}\nboards:\n  - name: sim-a\n    port: ${tty}\n    power: { driver: sim, pidFile: ${pidFile} }\n`,
  );
  bridge = startCli(['run', '--config', join(dir, 'bench.yaml'), '--log-level', 'warn'], env);
  await takeLine(bridge, /control socket: /);
  await takeLine(sim, /app> connected 0$/);
});
afterAll(async () => {
  await Promise.all([sim?.kill(), bridge?.kill()]);
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

async function power(...args: string[]): Promise<{ code: number | null; out: string }> {
  const p = startCli(['power', ...args], env);
  const code = await p.exited;
  return { code, out: p.text() };
}

/** Resolves once the board's client has subscribed again after a boot. */
const subscribedAgain = () => takeLine(sim, /app> connected 0$/);

describe('dl7450-bridge power', () => {
  it('cut prints the timeline to the will; on prints the HELLO, the CONNACK with session present and the kept messages', async () => {
    const cut = await power('cut', 'sim-a', '--profile', 'rst');
    expect(cut.code, cut.out).toBe(0);
    expect(cut.out).toMatch(/^power cut sim-a \(profile rst\)$/m);
    expect(cut.out).toMatch(/\+\s+[\d.]+ ms {2}cut {12}power off \(sim process in .*sim\.pid\)/);
    expect(cut.out).toMatch(/broker-dropped +connection \d+ \(client power-cli-board\): rst/);
    expect(cut.out).toMatch(/will +power-cli\/status = "offline" \(client power-cli-board\)/);
    expect(cut.out).toMatch(/^OK: 1 will\(s\), the last [\d.]+ ms after the cut$/m);
    await takeLine(sim, /power off \(boot 1 ended/);

    const backend = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(backend);
    await backend.publishAsync('power-cli/in', 'while off', { qos: 1 });
    backend.end(true);

    const on = await power('on', 'sim-a');
    expect(on.code, on.out).toBe(0);
    expect(on.out).toMatch(/hello +link up \(reboot\): board virtual-dl7450/);
    expect(on.out).toMatch(/connack +client power-cli-board: return code 0, session present true/);
    expect(on.out).toMatch(/redelivered +client power-cli-board: 1 QoS 1\/2 messages kept for its session/);
    await subscribedAgain();
  });

  it('cycle --json gives the whole timeline as one document', async () => {
    const r = await power('cycle', 'sim-a', '--off-ms', '300', '--json');
    expect(r.code, r.out).toBe(0);
    const t = JSON.parse(r.out) as Timeline;
    expect(t).toMatchObject({ board: 'sim-a', action: 'cycle', profile: 'fin', ok: true });
    expect(t.steps.map((s) => s.step)).toEqual(['cut', 'link-lost', 'broker-dropped', 'will', 'power-on', 'hello', 'connack', 'redelivered']);
    await subscribedAgain();
  });

  it('names what is wrong: an unknown board (and the ones there are), a bad action or profile', async () => {
    const unknown = await power('cut', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/no running bridge has a board named nope; they have: sim-a/);
    const action = await power('zap', 'sim-a');
    expect(action.code).toBe(2);
    expect(action.out).toMatch(/give an action: cut, on, cycle/);
    const profile = await power('cut', 'sim-a', '--profile', 'yank');
    expect(profile.code).toBe(2);
    expect(profile.out).toMatch(/--profile must be one of rst, fin, silent, got "yank"/);
    const none = startCli(['power', 'cut', 'sim-a'], { ...env, XDG_RUNTIME_DIR: join(dir, 'elsewhere') });
    expect(await none.exited).toBe(1);
    expect(none.text()).toMatch(/no bridge is running/);
  });
});
