import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { connectBroker } from '../../bridge/broker/broker-transports.js';
import { parseBrokerUrl } from '../../bridge/broker/broker-url.js';
import type { CutProfile } from '../../bridge/session/cut-profile.js';
import { Reason } from '../../streams/link/protocol.js';
import { LinkConnectionError } from '../../drivers/boards/link-connection-error.js';
import { connected, startBridgeBench, type BridgeBench } from '../support/bridge-bench.js';
import { collected } from '../support/collected.js';
import { startMosquitto, type Mosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

// MQTT over WebSocket against a real Mosquitto: a `protocol websockets` listener, plain and
// with TLS (CA and server certificate made by openssl for this run). The main listener stays
// plain MQTT, for the observer. socket_domain ipv4: Mosquitto 2.0.11 binds websockets listeners
// to every interface otherwise, whatever address the listener line names.

let pki: TestPki;
let broker: Mosquitto;
let bench: BridgeBench | undefined;
const observers: MqttClient[] = [];
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  broker = await startMosquitto({
    listeners: {
      ws: ['protocol websockets', 'socket_domain ipv4'],
      wss: ['protocol websockets', 'socket_domain ipv4', `cafile ${pki.ca.certFile}`, `certfile ${pki.server.certFile}`, `keyfile ${pki.server.keyFile}`],
    },
  });
});
afterAll(async () => {
  await broker?.stop();
  await pki?.stop();
});
afterEach(async () => {
  for (const o of observers.splice(0)) o.end(true);
  for (const c of closers.splice(0)) await c();
  await bench?.stop();
  bench = undefined;
});

const wsUrl = (path = '/mqtt') => `ws://127.0.0.1:${broker.listeners.ws}${path}`;
const wssUrl = () => `wss://127.0.0.1:${broker.listeners.wss}/mqtt`;

/** The virtual board's bridge, its connections sent to `url`; wss trusts the test CA. */
function benchFor(url: string, settings: Record<string, unknown> = {}): Promise<BridgeBench> {
  const tls = url.startsWith('wss:') ? { tls: { trustStore: { file: pki.ca.certFile } } } : {};
  return startBridgeBench({ ...broker, url }, 'framed', 1, { ...tls, ...settings });
}

/** A backend client on Mosquitto's plain MQTT listener, receiving `filter`. */
async function observer(filter: string) {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  observers.push(o);
  await connected(o);
  await o.subscribeAsync(filter, { qos: 1 });
  const seen = collected<{ topic: string; text: string }>();
  o.on('message', (topic, payload) => seen.push({ topic, text: payload.toString() }));
  return { o, seen };
}

describe.each([
  ['ws', () => wsUrl()],
  ['wss', () => wssUrl()],
])('MQTT over %s:// to Mosquitto, through the bridge', (scheme, url) => {
  it('carries a QoS 1 publish and subscription both ways', async () => {
    bench = await benchFor(url());
    const backend = await observer(`${scheme}/up/#`);
    const dev = bench.boardClient(0, { clientId: `${scheme}-roundtrip` });
    await connected(dev);
    await dev.subscribeAsync(`${scheme}/down`, { qos: 1 });
    const down = new Promise<[string, Buffer]>((resolve) => dev.once('message', (topic, payload) => resolve([topic, payload])));
    await dev.publishAsync(`${scheme}/up/1`, 'from the board', { qos: 1 });
    await backend.seen.until((items) => items.length > 0);
    expect(backend.seen.items).toEqual([{ topic: `${scheme}/up/1`, text: 'from the board' }]);
    await backend.o.publishAsync(`${scheme}/down`, 'to the board', { qos: 1 });
    const [topic, payload] = await down;
    expect([topic, payload.toString()]).toEqual([`${scheme}/down`, 'to the board']);
    expect(bench.logs.find((l) => l.msg === 'broker connection open')).toMatchObject({ url: url() });
  });

  it.each(['fin', 'rst'] as CutProfile[])('makes Mosquitto publish the will when the board dies (cut %s)', async (profile) => {
    bench = await benchFor(url(), { cutProfile: profile });
    const backend = await observer(`${scheme}/status/#`);
    const id = `${scheme}-${profile}`;
    const dev = bench.boardClient(0, { clientId: id, keepalive: 60, will: { topic: `${scheme}/status/${id}`, payload: Buffer.from('offline'), qos: 1, retain: false } });
    await connected(dev);
    bench.daemon.cut('board0');
    await backend.seen.until((items) => items.length > 0);
    expect(backend.seen.items).toEqual([{ topic: `${scheme}/status/${id}`, text: 'offline' }]);
    expect(await broker.waitForLog(new RegExp(`Client ${id} (closed its connection|disconnected)`))).toMatch(id);
    expect(bench.logs.find((l) => l.msg === 'broker connection open')).toMatchObject({ url: url() });
  });
});

const openFailure = (client: MqttClient): Promise<LinkConnectionError> => new Promise((resolve) => client.once('error', (e) => resolve(e as LinkConnectionError)));

describe('ws:// failures reach the board as OPEN_FAILED, in plain words', () => {
  it('a wrong path, refused with 404 by a path-checking front (Mosquitto itself takes any path)', async () => {
    // nginx-style: only /mqtt is passed on, everything else gets 404.
    const front = http.createServer((_, response) => response.writeHead(404).end());
    front.on('upgrade', (_request: http.IncomingMessage, socket: net.Socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    closers.push(() => new Promise((resolve) => front.close(resolve)));
    const port = (front.address() as net.AddressInfo).port;
    bench = await benchFor(`ws://127.0.0.1:${port}/wrongpath`);
    const error = await openFailure(bench.boardClient(0));
    expect(error).toBeInstanceOf(LinkConnectionError);
    expect(error.reason).toBe(Reason.BROKER_UNREACHABLE);
    expect(error.text).toBe(`the broker at 127.0.0.1:${port} answered HTTP 404 at /wrongpath: is the WebSocket path right?`);
  });

  it('Mosquitto on a wrong path: it upgrades anyway, so the board connects', async () => {
    bench = await benchFor(wsUrl('/not-mqtt'));
    expect((await connected(bench.boardClient(0))).returnCode).toBe(0);
  });

  it('a plain MQTT port named as ws://: the board hears it is no WebSocket listener', async () => {
    bench = await benchFor(`ws://127.0.0.1:${broker.port}/mqtt`);
    const error = await openFailure(bench.boardClient(0));
    expect(error.text).toBe(`the broker at 127.0.0.1:${broker.port} closed the connection during the WebSocket upgrade at /mqtt: is it a WebSocket listener, not plain MQTT?`);
  });
});

describe('wss:// at the transport level', () => {
  /** One MQTT packet read from `socket` (the bytes may come split or merged). */
  function nextPacket(socket: net.Socket): Promise<Packet> {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer): void => void parser.parse(chunk);
      parser.once('packet', (packet: Packet) => {
        socket.removeListener('data', onData);
        resolve(packet);
      });
      parser.once('error', reject);
      socket.on('data', onData);
    });
  }

  it('CONNECT/CONNACK and a QoS 1 PUBLISH/PUBACK with the test CA trusted', async () => {
    const backend = await observer('wss-raw/#');
    const socket = await connectBroker(parseBrokerUrl(wssUrl()), { tls: { ca: pki.ca.certPem } });
    closers.push(() => socket.destroy());
    const connack = nextPacket(socket);
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'wss-raw', clean: true, keepalive: 30 }));
    expect(await connack).toMatchObject({ cmd: 'connack', returnCode: 0 });
    const puback = nextPacket(socket);
    socket.write(mqttPacket.generate({ cmd: 'publish', topic: 'wss-raw/t', payload: Buffer.from('raw'), qos: 1, messageId: 7, retain: false, dup: false }));
    expect(await puback).toMatchObject({ cmd: 'puback', messageId: 7 });
    await backend.seen.until((items) => items.length > 0);
    expect(backend.seen.items).toEqual([{ topic: 'wss-raw/t', text: 'raw' }]);
  });

  it('refuses the broker\'s certificate when its CA is not trusted', async () => {
    const error = await connectBroker(parseBrokerUrl(wssUrl()), { tls: { ca: pki.otherCa.certPem } }).then(
      () => undefined,
      (e: unknown) => e as Error & { reason?: string },
    );
    expect(error).toMatchObject({ reason: 'tls', message: expect.stringMatching(/not signed by a trusted CA \(trust_store\)/) });
  });
});
