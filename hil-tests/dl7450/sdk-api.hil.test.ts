import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import mqtt from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { collected } from '../support/collected.js';
import { connected } from '../support/bridge-bench.js';
import { startEmbeddedBroker } from '../../bridge/broker/embedded-broker.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// docs/dl7450-mqtt-behaviour.md, rows M*, C*, K*: the module, the client constructor and
// connect(), on a virtual DL-7450 through the bridge to a real broker. Test names start with
// the row id they check.

let broker: TestBroker;
let bench: Dl7450Bench | undefined;
beforeAll(async () => {
  broker = await startTestBroker({ users: { alice: 'secret' }, allowAnonymous: true });
});
afterAll(async () => broker.stop());
afterEach(async () => {
  await bench?.stop();
  bench = undefined;
});

const URL = 'ssl://iot.example.com:8883'; // what board apps ship with; the bench broker replaces it
const start = async () => (bench = await startDl7450Bench(broker));
const mod = (): Dl7450MqttModule => bench?.board.mqtt as Dl7450MqttModule;

describeNeeding(['sdk-handle'], 'the mqtt module', () => {
  it('M1 has QOS0, QOS1, QOS2 = 0, 1, 2', async () => {
    await start();
    expect([mod().QOS0, mod().QOS1, mod().QOS2]).toEqual([0, 1, 2]);
  });

  it('M2/M4 ErrorDescription gives text for every documented code', async () => {
    await start();
    for (const code of [0, -1, -2, -3, -4, -5, -6, -9, -10, -14]) expect(mod().ErrorDescription(code)).toMatch(/\w/);
    expect(mod().ErrorDescription(-14)).toMatch(/protocol/i);
    expect(mod().ErrorDescription(-3)).toMatch(/disconnected/i);
  });

  it('M3 MqttError has errno and args = (errno, text)', async () => {
    await start();
    const e = new (mod().MqttError)(-9);
    expect(e.errno).toBe(-9);
    expect(e.args).toEqual([-9, mod().ErrorDescription(-9)]);
  });
});

describeNeeding(['sdk-handle'], 'MqttClient(broker_url, client_id)', () => {
  it('C1 accepts the six schemes, with or without a port', async () => {
    await start();
    for (const url of ['tcp://h', 'mqtt://h:1884', 'ssl://h', 'mqtts://h', 'ws://h', 'wss://h:8443']) expect(() => new (mod().MqttClient)(url, 'c1')).not.toThrow();
  });

  it('C2 any other scheme raises MqttError -14 (bad protocol)', async () => {
    await start();
    const attempt = () => new (mod().MqttClient)('http://h:80', 'c2');
    expect(attempt).toThrow(expect.objectContaining({ errno: -14 }));
  });

  it('C3 client_id is a mandatory str', async () => {
    await start();
    expect(() => new (mod().MqttClient)(URL, undefined as unknown as string)).toThrow(TypeError);
    expect(() => new (mod().MqttClient)(URL, 42 as unknown as string)).toThrow(TypeError);
  });

  it('C4 nothing happens until connect(): no connection is opened', async () => {
    await start();
    new (mod().MqttClient)(URL, 'c4');
    // A full exchange on another client proves the link was idle for the first one.
    const other = new (mod().MqttClient)(URL, 'c4-other');
    const rec = recordClient(other);
    other.connect(rec.onConnect);
    await rec.next('connect');
    const opened = bench?.logs.filter((l) => l.msg === 'board opens a connection') ?? [];
    expect(opened).toHaveLength(1);
  });
});

describeNeeding(['sdk-handle'], 'connect(on_connect, options)', () => {
  it('K1/K2 is asynchronous and calls on_connect(0, flags dict) on acceptance', async () => {
    await start();
    const c = new (mod().MqttClient)(URL, 'k2');
    const rec = recordClient(c);
    c.connect(rec.onConnect, { keep_alive: 30 });
    expect(rec.of('connect')).toHaveLength(0); // not yet: it returns at once
    const e = await rec.next('connect');
    expect(e.rc).toBe(0);
    expect(typeof e.flags).toBe('object');
  });

  it('K3 passes the broker\'s CONNACK refusal codes to on_connect unchanged (5 from Mosquitto, 2-4 from Aedes)', async () => {
    await start();
    const bad = new (mod().MqttClient)(URL, 'k3');
    const rec = recordClient(bad);
    bad.connect(rec.onConnect, { username: 'alice', password: 'wrong' });
    expect((await rec.next('connect')).rc).toBe(5);
    bad.disconnect();
    // Mosquitto 2 answers every refusal of a 3.1.1 client with 5; codes 2-4 come from an Aedes
    // broker told to refuse by user name, to show any CONNACK code reaches on_connect unchanged.
    await bench?.stop();
    const refusing = await startEmbeddedBroker({
      aedes: {
        authenticate: (_client, username, _password, done) => {
          const code = Number(/^rc(\d)$/.exec(username ?? '')?.[1] ?? 0);
          if (code === 0) return done(null, true);
          done(Object.assign(new Error('refused'), { returnCode: code }) as never, false);
        },
      },
    });
    try {
      bench = await startDl7450Bench({ ...broker, url: refusing.url });
      for (const code of [2, 3, 4]) {
        const c = new (mod().MqttClient)(URL, `k3-${code}`);
        const r = recordClient(c);
        c.connect(r.onConnect, { username: `rc${code}` });
        expect((await r.next('connect')).rc).toBe(code);
        c.disconnect();
      }
    } finally {
      await bench?.stop();
      bench = undefined;
      await refusing.close();
    }
  });

  it('K3b an empty client id cannot hold a persistent session: on_connect(-2), no attempt made', async () => {
    await start();
    const empty = new (mod().MqttClient)(URL, '');
    const rec = recordClient(empty);
    empty.connect(rec.onConnect);
    expect((await rec.next('connect')).rc).toBe(-2);
    expect(bench?.logs.filter((l) => l.msg === 'board opens a connection')).toHaveLength(0);
  });

  it('K4 a negative rc when no connection could be made (broker down): MqttError -1', async () => {
    const dead = { ...broker, url: 'mqtt://127.0.0.1:1' };
    bench = await startDl7450Bench(dead);
    const c = new (mod().MqttClient)(URL, 'k4');
    const rec = recordClient(c);
    c.connect(rec.onConnect);
    expect((await rec.next('connect')).rc).toBe(-1);
    c.disconnect();
  });

  it('K5 keep_alive omitted = no keep-alive; given = that many seconds (as the broker received them)', async () => {
    await start();
    for (const [id, options, expected] of [['k5-none', {}, 0], ['k5-30', { keep_alive: 30 }, 30]] as const) {
      const c = new (mod().MqttClient)(URL, id);
      const rec = recordClient(c);
      c.connect(rec.onConnect, options);
      await rec.next('connect');
      const line = await broker.waitForLog(new RegExp(`New client connected from .* as ${id} .*k${expected}`));
      expect(line).toContain(`k${expected}`);
    }
  });

  it('K6 username and password pass through; a password without a username is a TypeError', async () => {
    await start();
    const c = new (mod().MqttClient)(URL, 'k6');
    expect(() => c.connect(() => undefined, { password: 'secret' })).toThrow(TypeError);
    const rec = recordClient(c);
    c.connect(rec.onConnect, { username: 'alice', password: new TextEncoder().encode('secret') });
    expect((await rec.next('connect')).rc).toBe(0);
  });

  it('K7 a will needs topic, QoS and message (None allowed); it is published when the board vanishes', async () => {
    await start();
    const observer = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(observer);
    await observer.subscribeAsync('k7/#', { qos: 1 });
    const wills = collected<string>();
    const seen = wills.items;
    observer.on('message', (t, p) => wills.push(`${t}=${p}`));
    const withWill = new (mod().MqttClient)(URL, 'k7-will');
    const noWill = new (mod().MqttClient)(URL, 'k7-nowill');
    const r1 = recordClient(withWill);
    const r2 = recordClient(noWill);
    withWill.connect(r1.onConnect, { will_topic: 'k7/a', will_qos: 1, will_message: null });
    noWill.connect(r2.onConnect, { will_topic: 'k7/b', will_qos: 1 }); // no message: no will
    await Promise.all([r1.next('connect'), r2.next('connect')]);
    bench?.board.powerOff();
    await broker.waitForLog(/Client k7-nowill .*(closed its connection|disconnected)|Socket error on client k7-nowill/);
    await wills.until((x) => x.length >= 1);
    // A round trip after both disconnects proves no second will is on its way.
    await observer.publishAsync('k7/probe', 'p', { qos: 1 });
    await wills.until((x) => x.includes('k7/probe=p'));
    expect(seen.filter((s) => s !== 'k7/probe=p')).toEqual(['k7/a=']);
    observer.end(true);
  });

  it('K8 accepts the SSL options (trust_store, private_key, key_store)', async () => {
    await start();
    const c = new (mod().MqttClient)(URL, 'k8');
    const rec = recordClient(c);
    c.connect(rec.onConnect, { trust_store: '-----BEGIN CERTIFICATE-----\n', key_store: new Uint8Array([0x30]), private_key: 'k' });
    expect((await rec.next('connect')).rc).toBe(0);
  });

  it('K9 an unrecognised option is a TypeError', async () => {
    await start();
    const c = new (mod().MqttClient)(URL, 'k9');
    expect(() => c.connect(() => undefined, { clean_session: 1 } as never)).toThrow(TypeError);
  });

  it('K10 the session persists (clean_session 0): messages sent while away arrive on return', async () => {
    await start();
    const c = new (mod().MqttClient)(URL, 'k10');
    const rec = recordClient(c);
    c.connect(rec.onConnect);
    await rec.next('connect');
    c.subscribe(['k10/in', 1]);
    await rec.next('subscribe');
    c.disconnect();
    await broker.waitForLog(/Client k10 disconnected/);
    const observer = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(observer);
    await observer.publishAsync('k10/in', 'while away', { qos: 1 });
    observer.end(true);
    const again = new (mod().MqttClient)(URL, 'k10');
    const rec2 = recordClient(again);
    again.connect(rec2.onConnect);
    const m = await rec2.next('message');
    expect(new TextDecoder().decode(m.message)).toBe('while away');
  });
});
