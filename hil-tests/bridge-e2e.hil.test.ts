import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient, Packet } from 'mqtt';
import { startTestBroker, type TestBroker } from './support/test-broker.js';
import { collected } from './support/collected.js';
import { connected, startBridgeBench, type BridgeBench, type LinkMode } from './support/bridge-bench.js';

// Virtual board -> socat pty -> bridge daemon -> real Mosquitto (its own process, port and
// config) -> a backend client, in both link modes.

const messages = (client: MqttClient, count: number, topicFilter = '#') =>
  new Promise<{ topic: string; payload: Buffer; retain: boolean; qos: number }[]>((resolve) => {
    const got: { topic: string; payload: Buffer; retain: boolean; qos: number }[] = [];
    client.on('message', (topic, payload, packet) => {
      if (topicFilter !== '#' && !topic.startsWith(topicFilter)) return;
      got.push({ topic, payload, retain: packet.retain, qos: packet.qos });
      if (got.length === count) resolve(got);
    });
  });

const packetEvent = (client: MqttClient, event: 'packetsend' | 'packetreceive', cmd: string) =>
  new Promise<Packet>((resolve) => {
    const listener = (p: Packet) => {
      if (p.cmd !== cmd) return;
      client.off(event, listener);
      resolve(p);
    };
    client.on(event, listener);
  });

describe.each(['framed', 'raw'] as LinkMode[])('bridge end to end, %s link, against a real broker', (mode) => {
  let broker: TestBroker;
  let bench: BridgeBench | undefined;
  const extra: TestBroker[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    await bench?.stop();
    bench = undefined;
    for (const b of extra.splice(0)) await b.stop();
  });

  it('passes the CONNACK through: accepted, then session present on a persistent session', async () => {
    bench = await startBridgeBench(broker, mode);
    const first = bench.boardClient(0, { clientId: `persist-${mode}`, clean: false });
    const ack1 = await connected(first);
    expect(ack1.returnCode).toBe(0);
    expect(ack1.sessionPresent).toBe(false);
    await first.subscribeAsync('keep/me', { qos: 1 });
    await first.endAsync();
    const again = bench.boardClient(0, { clientId: `persist-${mode}`, clean: false });
    const ack2 = await connected(again);
    expect(ack2.sessionPresent).toBe(true);
  });

  it('passes refusals through with the broker\'s own codes (3.1.1 and 5)', async () => {
    const locked = await startTestBroker({ users: { alice: 'secret' } });
    extra.push(locked);
    bench = await startBridgeBench(locked, mode);
    const v4 = bench.boardClient(0, { username: 'alice', password: 'wrong' });
    const e4 = await new Promise<Error & { code?: number }>((resolve) => v4.once('error', resolve));
    expect(e4.code).toBe(5); // mosquitto 2 answers 3.1.1 clients "not authorised" for any bad login
    await v4.endAsync(true); // raw: the line holds one connection at a time
    // Then in MQTT 5: reason codes pass unchanged.
    const v5 = bench.boardClient(0, { username: 'mallory', password: 'x', protocolVersion: 5 });
    const e5 = await new Promise<Error & { code?: number }>((resolve) => v5.once('error', resolve));
    expect([0x86, 0x87]).toContain(e5.code);
    await v5.endAsync(true);
    const ok = bench.boardClient(0, { username: 'alice', password: 'secret' });
    expect((await connected(ok)).returnCode).toBe(0);
    // The password crossed the bridge but never reached its log.
    expect(JSON.stringify(bench.logs)).not.toContain('secret');
  });

  it('carries QoS 0, 1 and 2 both ways, QoS 2 exactly once', async () => {
    bench = await startBridgeBench(broker, mode);
    const backend = await bench.observer();
    await backend.subscribeAsync(`e2e/${mode}/up/#`, { qos: 2 });
    const dev = bench.boardClient(0);
    await connected(dev);
    await dev.subscribeAsync(`e2e/${mode}/down/#`, { qos: 2 });
    const atBackend = messages(backend, 3);
    const atBoard = messages(dev, 3);
    for (const qos of [0, 1, 2] as const) {
      await dev.publishAsync(`e2e/${mode}/up/${qos}`, `u${qos}`, { qos });
      await backend.publishAsync(`e2e/${mode}/down/${qos}`, `d${qos}`, { qos });
    }
    expect((await atBackend).map((m) => `${m.topic}=${m.payload}`).sort()).toEqual([0, 1, 2].map((q) => `e2e/${mode}/up/${q}=u${q}`));
    expect((await atBoard).map((m) => `${m.topic}=${m.payload}@${m.qos}`).sort()).toEqual([0, 1, 2].map((q) => `e2e/${mode}/down/${q}=d${q}@${q}`));
  });

  it('passes SUBACK granted QoS, retained messages and unsubscribe through', async () => {
    const capped = await startTestBroker({ extraConfig: ['max_qos 1'] });
    extra.push(capped);
    bench = await startBridgeBench(capped, mode);
    const backend = await bench.observer();
    await backend.publishAsync(`e2e/${mode}/retained`, 'kept', { qos: 1, retain: true });
    const dev = bench.boardClient(0);
    await connected(dev);
    const retained = messages(dev, 1);
    const granted = await dev.subscribeAsync(`e2e/${mode}/retained`, { qos: 2 });
    expect(granted.map((g) => g.qos)).toEqual([1]); // the broker's cap, not the bridge's
    const [m] = await retained;
    expect([m.payload.toString(), m.retain]).toEqual(['kept', true]);
    await dev.unsubscribeAsync(`e2e/${mode}/retained`);
    let after = 0;
    dev.on('message', () => after++);
    await backend.publishAsync(`e2e/${mode}/retained`, 'again', { qos: 1 });
    // A round trip through the broker after the publish proves it was processed before we look.
    await dev.publishAsync(`e2e/${mode}/probe`, 'p', { qos: 1 });
    expect(after).toBe(0);
  });

  it('lets keep-alive pings through: PINGREQ from the board, PINGRESP from the broker', async () => {
    bench = await startBridgeBench(broker, mode);
    const dev = bench.boardClient(0, { keepalive: 1 });
    await connected(dev);
    await packetEvent(dev, 'packetsend', 'pingreq');
    await packetEvent(dev, 'packetreceive', 'pingresp');
  });

  it('drops the broker connection when the board\'s line dies, and the broker publishes the will', async () => {
    bench = await startBridgeBench(broker, mode);
    const backend = await bench.observer();
    await backend.subscribeAsync(`e2e/${mode}/status/#`, { qos: 1 });
    const will = messages(backend, 1);
    const dev = bench.boardClient(0, { will: { topic: `e2e/${mode}/status/dev`, payload: Buffer.from('offline'), qos: 1, retain: false } });
    await connected(dev);
    await bench.boards[0].socat.kill(); // the cable is pulled: both ptys vanish
    const [w] = await will;
    expect(w.payload.toString()).toBe('offline');
  });

  it('carries a 1 MiB payload both ways', async () => {
    bench = await startBridgeBench(broker, mode);
    const backend = await bench.observer();
    await backend.subscribeAsync(`e2e/${mode}/big/up`, { qos: 1 });
    const dev = bench.boardClient(0);
    await connected(dev);
    await dev.subscribeAsync(`e2e/${mode}/big/down`, { qos: 1 });
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const up = messages(backend, 1);
    const down = messages(dev, 1);
    await dev.publishAsync(`e2e/${mode}/big/up`, big, { qos: 1 });
    await backend.publishAsync(`e2e/${mode}/big/down`, big, { qos: 1 });
    expect((await up)[0].payload.equals(big)).toBe(true);
    expect((await down)[0].payload.equals(big)).toBe(true);
  });

  it('runs two boards at once with no cross-talk', async () => {
    bench = await startBridgeBench(broker, mode, 2);
    const a = bench.boardClient(0, { clientId: `a-${mode}` });
    const b = bench.boardClient(1, { clientId: `b-${mode}` });
    await Promise.all([connected(a), connected(b)]);
    await a.subscribeAsync(`e2e/${mode}/to-a`, { qos: 1 });
    await b.subscribeAsync(`e2e/${mode}/to-b`, { qos: 1 });
    const toA = collected<string>();
    const toB = collected<string>();
    const seenA = toA.items;
    const seenB = toB.items;
    a.on('message', (t) => toA.push(t));
    b.on('message', (t) => toB.push(t));
    const backend = await bench.observer();
    for (let i = 0; i < 5; i++) {
      await backend.publishAsync(`e2e/${mode}/to-a`, `${i}`, { qos: 1 });
      await backend.publishAsync(`e2e/${mode}/to-b`, `${i}`, { qos: 1 });
    }
    await Promise.all([a.publishAsync(`e2e/${mode}/sync`, 'x', { qos: 1 }), b.publishAsync(`e2e/${mode}/sync`, 'x', { qos: 1 })]);
    await Promise.all([toA.until((x) => x.length >= 5), toB.until((x) => x.length >= 5)]);
    expect(seenA).toEqual(Array(5).fill(`e2e/${mode}/to-a`));
    expect(seenB).toEqual(Array(5).fill(`e2e/${mode}/to-b`));
  });
});
