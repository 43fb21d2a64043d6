import { afterEach, describe, expect, it } from 'vitest';
import { lstat, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { connected } from '../support/bridge-bench.js';
import { createMailbox, type Mailbox } from '../../drivers/boards/test-support/mailbox.js';
import { startCli, takeLine, type CliProcess } from './cli-process.js';
import { createSignalPower } from '../../drivers/power/signal-power.js';

// `sim` and `run` as two processes, as on a bench: the board behind a pty in one, the bridge
// opening that pty like a USB tty in the other, a real broker behind it, an observer at the broker.

// Written only against the DL-7450 SDK: connects with a will, says it is online, echoes sim/in.
const PYTHON_APP = `from mqtt import MqttClient, QOS1
import time

client = MqttClient('tcp://iot.example.com:1883', 'sim-py')

def on_message(topic, msg):
    print('got', topic, bytes(msg))
    client.publish('sim/echo', msg, QOS1)

def on_connect(rc, flags):
    print('connected', rc)
    if rc == 0:
        client.subscribe(('sim/in', QOS1))
        client.publish('sim/status', 'online', QOS1)

client.on_message(on_message)
client.connect(on_connect, {'keep_alive': 30, 'will_topic': 'sim/status', 'will_qos': QOS1, 'will_message': 'offline'})
while True:
    time.sleep_ms(1000)
`;

// The same app as a TypeScript module: a bare main(ctx), no imports, as a user would write one.
const TS_APP = `interface Ctx { mqtt: any; log(text: string): void }
export default function main(ctx: Ctx): void {
  const client = new ctx.mqtt.MqttClient('tcp://iot.example.com:1883', 'sim-ts');
  client.on_message((topic: string, msg: Uint8Array) => client.publish('sim/echo', msg, 1));
  client.connect((rc: number) => {
    ctx.log(\`connected \${rc}\`);
    if (rc !== 0) return;
    client.subscribe(['sim/in', 1]);
    client.publish('sim/status', 'online', 1);
  }, { keep_alive: 30, will_topic: 'sim/status', will_qos: 1, will_message: 'offline' });
}
`;

let broker: TestBroker | undefined;
let dir: string | undefined;
const processes: CliProcess[] = [];
const observers: MqttClient[] = [];

afterEach(async () => {
  for (const o of observers.splice(0)) o.end(true);
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  broker = undefined;
  dir = undefined;
});

function cli(...args: string[]): CliProcess {
  const p = startCli(args);
  processes.push(p);
  return p;
}

async function appFile(name: string, source: string): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'dl7450-sim-'));
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
}

async function observe(url: string): Promise<{ client: MqttClient; messages: Mailbox<string> }> {
  const client = mqtt.connect(url, { clientId: 'sim-observer', reconnectPeriod: 0 });
  observers.push(client);
  await connected(client);
  await client.subscribeAsync('sim/#', { qos: 1 });
  const messages = createMailbox<string>();
  client.on('message', (topic, payload) => messages.put(`${topic}=${payload.toString()}`));
  return { client, messages };
}

/** sim with the app, then run attached to the tty it printed, then the app's first "online". */
async function startChain(app: string, ...simArgs: string[]) {
  broker = await startTestBroker();
  const tty = join(dir as string, 'dl7450');
  const sim = cli('sim', '--app', app, '--tty', tty, ...simArgs);
  const banner = await takeLine(sim, /attach with:/);
  expect(banner).toContain(`attach with: dl7450-bridge run --port ${tty} --link framed`);
  const observer = await observe(broker.url);
  const bridge = cli('run', '--port', tty, '--link', 'framed', '--broker', broker.url, '--log-level', 'warn');
  await takeLine(sim, /link up .*host dl7450-bridge/);
  await takeLine(sim, /app> connected 0$/);
  await observer.messages.take((m) => m === 'sim/status=online', 'online', 30_000);
  return { sim, bridge, observer };
}

async function echoes(observer: { client: MqttClient; messages: Mailbox<string> }, text: string): Promise<void> {
  await observer.client.publishAsync('sim/in', text, { qos: 1 });
  await observer.messages.take((m) => m === `sim/echo=${text}`, `echo of ${text}`, 30_000);
}

describe('dl7450-bridge sim: a virtual board in its own process', () => {
  it('a DL-7450 Python app publishes through `run --port <tty>` to the broker and gets messages back', async () => {
    const { sim, observer } = await startChain(await appFile('app.py', PYTHON_APP));
    await echoes(observer, 'ping from the backend');
    expect(await takeLine(sim, /app> got/)).toMatch(/app> got sim\/in b'ping from the backend'$/);
  });

  it('a power cut (SIGUSR1) makes the broker publish the will; power on (SIGUSR2) boots the app again', async () => {
    const app = await appFile('app.py', PYTHON_APP);
    const pidFile = join(dir as string, 'sim.pid');
    const { sim, observer } = await startChain(app, '--pid-file', pidFile);
    expect(await readFile(pidFile, 'utf8')).toBe(`${sim.pid}\n`);
    // The bench file's power driver for a sim: { driver: sim, pidFile }.
    const power = createSignalPower({ pidFile });
    await power.off();
    await takeLine(sim, /power off \(boot 1 ended/);
    // The bridge finds the link dead (PINGs unanswered) and drops the broker connection unannounced.
    await observer.messages.take((m) => m === 'sim/status=offline', 'the will', 30_000);
    await power.on();
    await takeLine(sim, /power on: booted \(boot 2\)/);
    await takeLine(sim, /link up .*host dl7450-bridge/);
    await takeLine(sim, /app> connected 0$/);
    await observer.messages.take((m) => m === 'sim/status=online', 'online after power on', 30_000);
    await echoes(observer, 'after the reboot');
  });

  it('--attach plugs the board into a pty the bridge made (run --port pty:PATH), bridge first', async () => {
    const app = await appFile('app.py', PYTHON_APP);
    broker = await startTestBroker();
    const tty = join(dir as string, 'bridge-pty');
    const observer = await observe(broker.url);
    const bridge = cli('run', '--port', `pty:${tty}`, '--link', 'framed', '--broker', broker.url, '--log-level', 'warn');
    await takeLine(bridge, /^control socket: /); // started: its pty is at `tty`
    const sim = cli('sim', '--app', app, '--attach', tty);
    expect(await takeLine(sim, /plugged into/)).toMatch(new RegExp(`^board virtual-dl7450 plugged into ${tty} \\(/dev/pts/\\d+\\)$`));
    await takeLine(sim, /link up .*host dl7450-bridge/);
    await observer.messages.take((m) => m === 'sim/status=online', 'online', 30_000);
    await echoes(observer, 'through the bridge\'s own pty');
    const livePid = join(dir as string, 'live.pid');
    await writeFile(livePid, `${process.pid}\n`); // a running process: the test runner itself
    for (const [args, message] of [
      [['--attach', join(dir as string, 'nothing')], /--attach .*nothing: nothing is there \(start the bridge with --port pty:/],
      [['--attach', app], /--attach .*app\.py: not a tty/],
      [['--attach', '/dev/null'], /--attach \/dev\/null: not a tty .*: it is a mem device/],
      [['--attach', '/dev/ptmx'], /--attach \/dev\/ptmx: not a tty .*: it is the pty multiplexer/],
      [['--attach', tty, '--tty', join(dir as string, 'other')], /give --tty \(a pty of its own\) or --attach \(a tty that exists\), not both/],
      [['--attach', tty, '--pid-file', livePid], new RegExp(`--pid-file .*live\\.pid: it names process ${process.pid}, which is running \\(another sim\\?\\)`)],
    ] as const) {
      const bad = cli('sim', '--app', app, ...args);
      expect(await bad.exited).toBe(2);
      expect(bad.text()).toMatch(message);
    }
    // The bridge stops: its pty is gone for good (a new bridge makes a new one), so the sim
    // plugged into it says so and exits instead of running on, unreachable.
    bridge.signal('SIGINT');
    expect(await bridge.exited).toBe(0);
    expect(await sim.exited).toBe(1);
    expect(sim.text()).toMatch(/the board's line is gone \(.*\): stopping; start the sim again once its tty is back/);
  });

  it('runs a TypeScript app file the same way', async () => {
    const { observer } = await startChain(await appFile('app.ts', TS_APP));
    await echoes(observer, 'ping for typescript');
  });

  it('SIGTERM powers off, removes the tty symlink and exits 0; a dangling symlink left by a killed sim is replaced', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl7450-sim-'));
    const tty = join(dir, 'dl7450');
    await symlink('/dev/pts/999999', tty); // what a SIGKILLed sim leaves behind
    const sim = cli('sim', '--app', await appFile('app.py', PYTHON_APP), '--tty', tty, '--boot-delay', '0', '--pid-file', join(dir, 'sim.pid'));
    const banner = await takeLine(sim, /attach with:/);
    const pts = /\((\/dev\/[^)]+)\)/.exec(banner)?.[1];
    expect(pts).toMatch(/^\/dev\/pts\/\d+$/);
    expect(await readlink(tty)).toBe(pts);
    await takeLine(sim, /power on: booted \(boot 1\)/);
    sim.signal('SIGTERM');
    expect(await sim.exited).toBe(0);
    await expect(lstat(tty)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(join(dir, 'sim.pid'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
