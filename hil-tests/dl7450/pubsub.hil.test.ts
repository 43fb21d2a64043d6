import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { collected } from '../support/collected.js';
import { connected } from '../support/bridge-bench.js';
import { createManualClock } from '../../drivers/boards/dl7450/manual-clock.js';
import type { Dl7450MqttClient, Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// Rows P*, S*, D*: publish, subscribe, callbacks and delivery guarantees, on a virtual DL-7450
// through the bridge to a real broker.

let broker: TestBroker;
let bench: Dl7450Bench | undefined;
const observers: MqttClient[] = [];
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => broker.stop());
afterEach(async () => {
  for (const o of observers.splice(0)) o.end(true);
  await bench?.stop();
  bench = undefined;
});

const URL = 'tcp://iot.example.com';
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function observer(topic: string) {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  observers.push(o);
  await connected(o);
  await o.subscribeAsync(topic, { qos: 2 });
  const seen = collected<{ topic: string; payload: Buffer; qos: number }>();
  o.on('message', (t, p, packet) => seen.push({ topic: t, payload: p, qos: packet.qos }));
  const got = seen.items;
  const until = (n: number) => seen.until((items) => items.length >= n);
  return { o, got, until };
}

async function connectedClient(id: string, clock?: ReturnType<typeof createManualClock>) {
  bench = await startDl7450Bench(broker, clock ? { clock } : {});
  const c = new ((bench.board.mqtt as Dl7450MqttModule).MqttClient)(URL, id);
  const rec = recordClient(c);
  c.connect(rec.onConnect);
  expect((await rec.next('connect')).rc).toBe(0);
  return { c, rec };
}

async function takeOver(id: string): Promise<void> {
  const intruder = mqtt.connect(broker.url, { clientId: id, clean: false, reconnectPeriod: 0 });
  await connected(intruder);
  await intruder.endAsync();
}

describeNeeding(['sdk-handle', 'board-settings'], 'publish(topic, message, qos) -> mid', () => {
  it('P1 returns a mid; an empty topic or a QoS outside 0-2 is a TypeError', async () => {
    const { c } = await connectedClient('p1');
    const mids = [c.publish('p1/a', 'x', 0), c.publish('p1/a', 'x', 1), c.publish('p1/a', 'x', 2)];
    expect(new Set(mids).size).toBe(3);
    for (const m of mids) expect(m).toBeGreaterThan(0);
    expect(() => c.publish('', 'x', 0)).toThrow(TypeError);
    expect(() => c.publish('p1/a', 'x', 3)).toThrow(TypeError);
    expect(() => c.publish('p1/a', 'x', -1)).toThrow(TypeError);
    expect(() => c.publish('p1/+', 'x', 0)).toThrow(TypeError);
  });

  it('P2 the message may be empty: str, bytes, bytearray or None', async () => {
    const watch = await observer('p2/#');
    const { c } = await connectedClient('p2');
    c.publish('p2/str', '', 1);
    c.publish('p2/bytes', new Uint8Array(0), 1);
    c.publish('p2/none', null, 1);
    c.publish('p2/data', new Uint8Array([0, 1, 255]), 1);
    await watch.until(4);
    expect(watch.got.map((m) => `${m.topic}:${m.payload.toString('hex')}`).sort()).toEqual(['p2/bytes:', 'p2/data:0001ff', 'p2/none:', 'p2/str:']);
  });

  it('P3 while disconnected a publish is queued and sent on the next connection', async () => {
    const watch = await observer('p3/#');
    const clock = createManualClock();
    bench = await startDl7450Bench(broker, { clock });
    const c = new ((bench.board.mqtt as Dl7450MqttModule).MqttClient)(URL, 'p3');
    const rec = recordClient(c);
    c.publish('p3/before-connect', 'early', 1); // before connect() was ever called
    c.connect(rec.onConnect);
    await rec.next('connect');
    const lost = rec.next('connect');
    await takeOver('p3');
    expect((await lost).rc).toBe(-1);
    c.publish('p3/while-away', 'queued', 1);
    const back = rec.next('connect');
    clock.advance(1000);
    expect((await back).rc).toBe(0);
    await watch.until(2);
    expect(watch.got.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(['p3/before-connect=early', 'p3/while-away=queued']);
  });

  it('P5 on_publish(mid, rc) reports each message by its mid: 0 once delivered (QoS 1: PUBACK, QoS 2: PUBCOMP)', async () => {
    const { c, rec } = await connectedClient('p5');
    const mids = [0, 1, 2].map((q) => c.publish(`p5/${q}`, 'x', q));
    for (const mid of mids) expect((await rec.next('publish', (e) => e.mid === mid)).rc).toBe(0);
  });

  it('P6 too many messages pending raises MqttError -4', async () => {
    bench = await startDl7450Bench(broker, { maxPending: 5 });
    const c = new ((bench.board.mqtt as Dl7450MqttModule).MqttClient)(URL, 'p6');
    for (let i = 0; i < 5; i++) c.publish('p6/x', 'queued, never connected', 1);
    expect(() => c.publish('p6/x', 'one too many', 1)).toThrow(expect.objectContaining({ errno: -4 }));
  });
});

describeNeeding(['sdk-handle', 'board-settings'], 'subscribe(topics), on_subscribe, on_message', () => {
  it('S1 one tuple or a list: a positive mid, then on_subscribe(mid, granted QoS list)', async () => {
    const { c, rec } = await connectedClient('s1');
    const one = c.subscribe(['s1/a', 1]);
    expect(one).toBeGreaterThan(0);
    expect((await rec.next('subscribe', (e) => e.mid === one)).granted).toEqual([1]);
    const many = c.subscribe([['s1/b', 0], ['s1/c/#', 2]]);
    expect((await rec.next('subscribe', (e) => e.mid === many)).granted).toEqual([0, 2]);
  });

  it('S2 returns a negative MqttError code for a bad QoS (-9), a missing topic (-6), or while disconnected (-3)', async () => {
    bench = await startDl7450Bench(broker);
    const c = new ((bench.board.mqtt as Dl7450MqttModule).MqttClient)(URL, 's2');
    expect(c.subscribe(['s2/a', 1])).toBe(-3); // not connected yet
    const rec = recordClient(c);
    c.connect(rec.onConnect);
    await rec.next('connect');
    expect(c.subscribe(['s2/a', 5])).toBe(-9);
    expect(c.subscribe([null as unknown as string, 1])).toBe(-6);
  });

  it('S3/S4 wildcards work; on_message(topic, message) gives the payload as bytes', async () => {
    const { c, rec } = await connectedClient('s3');
    c.subscribe([['s3/+/x', 1], ['s3/all/#', 2]]);
    await rec.next('subscribe');
    const watch = await observer('unused/#');
    await watch.o.publishAsync('s3/one/x', Buffer.from([0xde, 0xad]), { qos: 1 });
    const m = await rec.next('message');
    expect(m.topic).toBe('s3/one/x');
    expect(m.message).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(m.message).toString('hex')).toBe('dead');
    await watch.o.publishAsync('s3/all/deep/er', 'yes', { qos: 2 });
    expect(text((await rec.next('message')).message)).toBe('yes');
  });
});

describeNeeding(['sdk-handle', 'board-settings'], 'delivery guarantees across a lost connection', () => {
  it('D1 QoS 1 arrives at least once and QoS 2 exactly once when the connection drops mid-flight', async () => {
    const watch = await observer('d1/#');
    const clock = createManualClock();
    const { c, rec } = await connectedClient('d1', clock);
    const client = c as Dl7450MqttClient;
    for (let i = 0; i < 20; i++) {
      client.publish(`d1/q2/${i}`, `${i}`, 2);
      client.publish(`d1/q1/${i}`, `${i}`, 1);
    }
    const lost = rec.next('connect');
    await takeOver('d1'); // drops the connection while messages are in flight
    await lost;
    const back = rec.next('connect');
    clock.advance(1000);
    expect((await back).rc).toBe(0);
    await watch.until(40);
    // Everything acknowledged is in; let late duplicates land before counting.
    await watch.o.publishAsync('d1/probe', 'p', { qos: 2 });
    await watch.until(41);
    const count = (prefix: string, i: number) => watch.got.filter((m) => m.topic === `${prefix}/${i}`).length;
    for (let i = 0; i < 20; i++) {
      expect(count('d1/q2', i)).toBe(1);
      expect(count('d1/q1', i)).toBeGreaterThanOrEqual(1);
    }
  });
});
