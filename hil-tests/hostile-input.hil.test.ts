import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import mqtt from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import mqttjs from 'mqtt';
import { startTestBroker, type TestBroker } from './support/test-broker.js';
import { startListenBench, type ListenBench } from './support/listen-bench.js';
import { connected } from './support/bridge-bench.js';

// A board that misbehaves — oversized headers, packets stuck half-way, malformed MQTT — loses
// its own session, with one clear log line; its will fires; every other board carries on.

let broker: TestBroker;
let bench: ListenBench | undefined;
const sockets: net.Socket[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of clients.splice(0)) c.end(true);
  await bench?.stop();
  bench = undefined;
});

/** A hand-driven board: raw MQTT bytes over TCP to the bridge, CONNECT sent and CONNACK read. */
async function rawBoard(port: number, clientId: string, willTopic: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const connack = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 0, will: { topic: willTopic, payload: Buffer.from('dead'), qos: 1, retain: false } }));
  await connack;
  return { socket, closed };
}

/** The backend subscribed to a will topic; `.will` settles when the will arrives. */
async function backend(topic: string): Promise<{ will: Promise<string> }> {
  const c = mqttjs.connect(broker.url, { reconnectPeriod: 0 });
  clients.push(c);
  await connected(c);
  await c.subscribeAsync(topic, { qos: 1 });
  return { will: new Promise((resolve) => c.on('message', (t, p) => resolve(`${t}=${p}`))) };
}

async function healthyNeighbour(port: number): Promise<MqttClient> {
  const c = mqttjs.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, clientId: 'neighbour' });
  c.on('error', () => undefined);
  clients.push(c);
  await connected(c);
  return c;
}

const warnings = (b: ListenBench) => b.logs.filter((l) => (l.level as number) >= 40);

describe('hostile input ends that session only', () => {
  it('refuses a packet whose header declares more than the limit as soon as the header is read', async () => {
    bench = await startListenBench(broker, { maxPacketBytes: 1024 });
    const { will } = await backend('hostile/big');
    const neighbour = await healthyNeighbour(bench.port);
    const bad = await rawBoard(bench.port, 'big-header', 'hostile/big');
    bad.socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x01])); // PUBLISH declaring 2 MiB, nothing more
    await bad.closed;
    expect(await will).toBe('hostile/big=dead');
    const lines = warnings(bench).filter((l) => String(l.detail).includes('too-large'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ board: expect.stringContaining('tcp@127.0.0.1:'), conn: 0 });
    await neighbour.publishAsync('hostile/alive', 'yes', { qos: 1 }); // the other board carries on
  });

  it('drops a packet that stalls half-way after the stall timeout', async () => {
    bench = await startListenBench(broker, { stallTimeoutMs: 300 });
    const { will } = await backend('hostile/stall');
    const neighbour = await healthyNeighbour(bench.port);
    const bad = await rawBoard(bench.port, 'stalls', 'hostile/stall');
    const half = mqtt.generate({ cmd: 'publish', topic: 'hostile/x', payload: Buffer.alloc(200), qos: 0, retain: false, dup: false }).subarray(0, 60);
    bad.socket.write(half);
    await bad.closed;
    expect(await will).toBe('hostile/stall=dead');
    expect(warnings(bench).filter((l) => String(l.detail).includes('stalled'))).toHaveLength(1);
    await neighbour.publishAsync('hostile/alive', 'yes', { qos: 1 });
  });

  it('closes a board that sends malformed MQTT, with one log line naming board, connection and reason', async () => {
    bench = await startListenBench(broker);
    const { will } = await backend('hostile/garbage');
    const neighbour = await healthyNeighbour(bench.port);
    const bad = await rawBoard(bench.port, 'garbage', 'hostile/garbage');
    bad.socket.write(Buffer.from([0x36, 0x03, 0x00, 0x01, 0x61])); // PUBLISH with both QoS bits set
    await bad.closed;
    expect(await will).toBe('hostile/garbage=dead');
    const lines = warnings(bench).filter((l) => l.msg === 'connection closed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ conn: 0, reason: 'protocol_error', code: 5, detail: expect.stringMatching(/malformed MQTT from the board: .*QoS/) });
    expect(String(lines[0].board)).toMatch(/^tcp@127\.0\.0\.1:\d+$/);
    await neighbour.publishAsync('hostile/alive', 'yes', { qos: 1 });
  });

  for (const link of ['raw', 'framed'] as const) {
    it(`${link}: a connection that never says its first word is closed after helloTimeoutMs; a board that does is kept`, async () => {
      bench = await startListenBench(broker, { link, helloTimeoutMs: 300 });
      // Connected first: had its timer not stopped at its CONNECT, it would be closed first.
      const board = link === 'raw' ? await rawBoard(bench.port, 'talker', 'hostile/talker') : undefined;
      const silent = net.connect(bench.port, '127.0.0.1');
      sockets.push(silent);
      silent.on('error', () => undefined);
      silent.resume(); // the bridge's HELLOs are read, so the close is seen
      await new Promise<void>((resolve) => silent.once('close', () => resolve()));
      const closed = (bench as ListenBench).logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('board link closed: no '));
      expect(closed).toHaveLength(1);
      expect(closed[0].msg).toBe(`board link closed: no ${link === 'raw' ? 'MQTT CONNECT' : 'HELLO'} within 300 ms (helloTimeoutMs)`);
      if (board) expect(board.socket.destroyed).toBe(false); // it spoke: its session lives on
    });
  }

  it('closes the board\'s connection when the broker is unreachable, and keeps accepting boards', async () => {
    const dead = { ...broker, url: 'mqtt://127.0.0.1:1' };
    bench = await startListenBench(dead);
    const socket = net.connect(bench.port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'orphan', clean: true, keepalive: 0 }));
    await closed;
    const failure = bench.logs.find((l) => l.msg === 'broker connection failed');
    expect(failure).toMatchObject({ detail: expect.stringMatching(/refused/) });
  });
});
