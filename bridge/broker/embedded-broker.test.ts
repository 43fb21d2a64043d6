import net from 'node:net';
import { once } from 'node:events';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBrokerUrl } from './broker-url.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<EmbeddedBroker> {
  const started = await startEmbeddedBroker();
  cleanups.push(() => started.close());
  return started;
}

async function client(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const connected = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...options });
  cleanups.push(() => void connected.end(true));
  return connected;
}

/** Resolves with the first `count` messages the client receives. */
function messages(c: MqttClient, count: number): Promise<IPublishPacket[]> {
  return new Promise((resolve) => {
    const got: IPublishPacket[] = [];
    c.on('message', (_topic, _payload, packet) => {
      got.push(packet);
      if (got.length === count) resolve(got);
    });
  });
}

describe('startEmbeddedBroker', () => {
  it('listens on a free loopback port and says where', async () => {
    const b = await broker();
    expect(b.port).toBeGreaterThan(0);
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    expect(parseBrokerUrl(b.url)).toMatchObject({ scheme: 'mqtt', host: '127.0.0.1', port: b.port });
  });

  it('delivers QoS 0, 1 and 2 publishes to a subscriber at their QoS', async () => {
    const b = await broker();
    const sub = await client(b.url);
    const pub = await client(b.url);
    await sub.subscribeAsync('bench/#', { qos: 2 });
    const received = messages(sub, 3);
    await pub.publishAsync('bench/q0', 'zero', { qos: 0 });
    await pub.publishAsync('bench/q1', 'one', { qos: 1 });
    await pub.publishAsync('bench/q2', 'two', { qos: 2 });
    const got = await received;
    expect(got.map((p) => [p.topic, p.payload.toString(), p.qos])).toEqual([
      ['bench/q0', 'zero', 0],
      ['bench/q1', 'one', 1],
      ['bench/q2', 'two', 2],
    ]);
  });

  it('keeps a retained message for later subscribers', async () => {
    const b = await broker();
    const pub = await client(b.url);
    await pub.publishAsync('bench/state', 'on', { qos: 1, retain: true });
    const late = await client(b.url);
    const received = messages(late, 1);
    await late.subscribeAsync('bench/state', { qos: 1 });
    const [packet] = await received;
    expect([packet.payload.toString(), packet.retain]).toEqual(['on', true]);
  });

  it('publishes the will of a client whose socket dies without DISCONNECT, and not of one that disconnects', async () => {
    const b = await broker();
    const watcher = await client(b.url);
    await watcher.subscribeAsync('bench/will/#', { qos: 1 });
    const wills = messages(watcher, 1);

    const polite = await client(b.url, { clientId: 'polite', will: { topic: 'bench/will/polite', payload: Buffer.from('gone'), qos: 1, retain: false } });
    const politeGone = once(b.aedes, 'clientDisconnect');
    await polite.endAsync();
    await politeGone;

    const rude = await client(b.url, { clientId: 'rude', will: { topic: 'bench/will/rude', payload: Buffer.from('lost'), qos: 1, retain: false } });
    rude.stream.destroy();
    // Had the polite client's will been sent, it would have come first.
    const [will] = await wills;
    expect([will.topic, will.payload.toString()]).toEqual(['bench/will/rude', 'lost']);
  });

  it('close() ends clients (connected or not yet), stops listening and frees the port', async () => {
    const b = await startEmbeddedBroker();
    const c = await client(b.url, { clientId: 'held' });
    const raw = net.connect({ host: '127.0.0.1', port: b.port });
    cleanups.push(() => void raw.destroy());
    await once(raw, 'connect');
    const clientClosed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const rawClosed = once(raw, 'close');

    await b.close();
    expect(b.aedes.closed).toBe(true);
    await clientClosed;
    await rawClosed;
    await b.close();

    const again = net.createServer().listen(b.port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('passes Aedes options through (authenticate)', async () => {
    const b = await startEmbeddedBroker({
      aedes: { authenticate: (_c, username, _p, done) => done(null, username === 'alice') },
    });
    cleanups.push(() => b.close());
    await expect(client(b.url, { username: 'alice' })).resolves.toBeDefined();
    await expect(client(b.url, { username: 'mallory' })).rejects.toMatchObject({ code: 5 });
  });

  it('rejects bad options with a TypeError naming them', async () => {
    await expect(startEmbeddedBroker({ port: 70000 })).rejects.toThrow(/"port" must be an integer from 0 to 65535, got 70000/);
    await expect(startEmbeddedBroker({ host: '' })).rejects.toThrow(/"host" must be a non-empty string/);
  });

  it('reports a port already taken', async () => {
    const b = await broker();
    await expect(startEmbeddedBroker({ port: b.port })).rejects.toThrow(`embedded broker cannot listen on 127.0.0.1:${b.port}`);
  });
});
