import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from './support/test-broker.js';
import { findExecutable } from '../bridge/broker/mosquitto/find-executable.js';
import { startListenBench, type ListenBench } from './support/listen-bench.js';
import { connected } from './support/bridge-bench.js';

// Raw mode must be invisible: a standard MQTT client talking to the bridge sees what it would
// see talking to the broker. Checked with clients nobody here wrote (mosquitto_pub/sub), and
// with MQTT.js against Mosquitto's own log of what it received.

const run = promisify(execFile);
// These need Mosquitto itself (a process that can be frozen) and its command-line clients:
// .ci/run installs both; elsewhere a missing one fails here with the package to install.
function requireTool(name: string, pkg: string): void {
  if (findExecutable(name) === undefined) throw new Error(`${name} is missing: apt-get install -y ${pkg}`);
}

let broker: TestBroker;
let bench: ListenBench | undefined;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ extraConfig: ['log_type all'] });
});
afterAll(async () => {
  await broker.stop();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await bench?.stop();
  bench = undefined;
});

const client = (port: number, options: mqtt.IClientOptions = {}) => {
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};

describe('raw mode is transparent', () => {
  it('carries mosquitto_sub and mosquitto_pub through the bridge', async () => {
    requireTool('mosquitto_sub', 'mosquitto-clients');
    requireTool('mosquitto_pub', 'mosquitto-clients');
    bench = await startListenBench(broker);
    const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(bench.port), '-t', 'transparent/#', '-q', '2', '-C', '2', '-v', '-i', 'sub-through-bridge']);
    let out = '';
    sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await broker.waitForLog(/sub-through-bridge.*SUBSCRIBE|Received SUBSCRIBE from sub-through-bridge/);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(bench.port), '-t', 'transparent/a', '-m', 'one', '-q', '1']);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(bench.port), '-t', 'transparent/b', '-m', 'two', '-q', '2']);
    const code = await new Promise<number | null>((resolve) => sub.once('exit', resolve));
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual(['transparent/a one', 'transparent/b two']);
  });

  it('never rewrites packet ids: the broker logs the ids the client sent', async () => {
    bench = await startListenBench(broker);
    const c = client(bench.port, { clientId: 'ids-through-bridge' });
    await connected(c);
    const sent: number[] = [];
    c.on('packetsend', (p) => p.cmd === 'publish' && p.messageId !== undefined && sent.push(p.messageId));
    for (let i = 0; i < 5; i++) await c.publishAsync('ids/x', `${i}`, { qos: 1 });
    const logged = [...broker.logs().matchAll(/Received PUBLISH from ids-through-bridge \(d0, q1, r0, m(\d+)/g)].map((m) => Number(m[1]));
    expect(sent).toHaveLength(5);
    expect(logged).toEqual(sent);
  });

  it('answers nothing on the broker\'s behalf: a frozen broker means no PINGRESP', async () => {
    expect(broker.kind, 'freezing needs Mosquitto: apt-get install -y mosquitto').toBe('mosquitto');
    bench = await startListenBench(broker);
    const c = client(bench.port, { keepalive: 1 });
    await connected(c);
    // Freeze the broker, then watch the client: PINGREQs go out, no PINGRESP comes back, and
    // MQTT.js gives up on keep-alive, exactly as it would talking to the frozen broker directly.
    broker.freeze?.();
    try {
      let pingresps = 0;
      c.on('packetreceive', (p) => p.cmd === 'pingresp' && pingresps++);
      await new Promise<void>((resolve) => c.once('close', () => resolve()));
      expect(pingresps).toBe(0);
    } finally {
      broker.thaw?.();
    }
  });

  it('passes the broker closing the connection on as a close', async () => {
    bench = await startListenBench(broker);
    const first = client(bench.port, { clientId: 'taken-over' });
    await connected(first);
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    // A second client with the same id: the broker closes the first connection.
    const second = client(bench.port, { clientId: 'taken-over' });
    await connected(second);
    await closed;
    expect(second.connected).toBe(true);
  });
});
