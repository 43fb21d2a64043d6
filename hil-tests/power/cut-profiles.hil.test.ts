import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { describeNeeding } from '../support/board-target.js';
import { recordClient } from '../support/sdk-recorder.js';
import { collected } from '../support/collected.js';
import { connected } from '../support/bridge-bench.js';
import type { CutProfile } from '../../bridge/session/cut-profile.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// What the broker sees when the board dies, for each cut profile (bridge/session/cut-profile.ts):
// a virtual DL-7450 through the bridge to a real Mosquitto, its power cut by the bench, which
// tells the bridge at once (as the power strategy does).

let broker: TestBroker;
let bench: Dl7450Bench | undefined;
const observers: MqttClient[] = [];
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.stop());
afterEach(async () => {
  for (const o of observers.splice(0)) o.end(true);
  await bench?.stop();
  bench = undefined;
});

const URL = 'tcp://iot.example.com';

/** The wills (and probes) an observer at the broker receives, each with when it came. */
async function watchWills(prefix: string) {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  observers.push(o);
  await connected(o);
  await o.subscribeAsync(`${prefix}/#`, { qos: 1 });
  const seen = collected<{ topic: string; text: string; at: number }>();
  o.on('message', (topic, payload) => seen.push({ topic, text: payload.toString(), at: performance.now() }));
  const will = async (client: string) => {
    await seen.until((items) => items.some((m) => m.topic === `${prefix}/${client}`));
    return seen.items.find((m) => m.topic === `${prefix}/${client}`) as { at: number; text: string };
  };
  return { o, seen, will };
}

/** Board clients, each with a will on <prefix>/<client id>, connected through the bridge. */
async function boardClients(profile: CutProfile, prefix: string, clients: { id: string; keepAlive?: number }[]) {
  bench = await startDl7450Bench(broker, { bridge: { cutProfile: profile } });
  const mod = bench.board.mqtt as Dl7450MqttModule;
  for (const { id, keepAlive } of clients) {
    const c = new mod.MqttClient(URL, id);
    const rec = recordClient(c);
    c.connect(rec.onConnect, { ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }), will_topic: `${prefix}/${id}`, will_qos: 1, will_message: `${id} offline` });
    expect((await rec.next('connect')).rc).toBe(0);
  }
  return bench;
}

/** Power off, and the bridge told at once, as the power strategy does. Returns the cut's time. */
function cut(b: Dl7450Bench): number {
  const at = performance.now();
  b.board.powerOff();
  b.daemon.cut('dut');
  return at;
}

describeNeeding(['sdk-handle', 'power'], 'cut profiles: what the broker sees when the board dies', () => {
  // Mosquitto logs a reset and a close alike ("closed its connection"); that the socket really
  // sends RST or FIN is checked in bridge/session/broker-link.test.ts.
  it('rst: the connection is reset at once, and the will follows', async () => {
    const w = await watchWills('cut/rst');
    const b = await boardClients('rst', 'cut/rst', [{ id: 'rst-a', keepAlive: 60 }]);
    cut(b);
    expect((await w.will('rst-a')).text).toBe('rst-a offline');
    expect(await broker.waitForLog(/Client rst-a closed its connection/)).toMatch(/rst-a/);
  });

  it('fin: the connection is closed without DISCONNECT, and the will follows', async () => {
    const w = await watchWills('cut/fin');
    const b = await boardClients('fin', 'cut/fin', [{ id: 'fin-a', keepAlive: 60 }]);
    cut(b);
    expect((await w.will('fin-a')).text).toBe('fin-a offline');
    expect(await broker.waitForLog(/Client fin-a .*closed its connection|Client fin-a disconnected/)).toMatch(/fin-a/);
    expect(broker.logs()).not.toMatch(/Socket error on client fin-a/);
  });

  it('silent: the broker hears nothing, and publishes the will only once 1.5 x keep_alive has passed', async () => {
    const KEEP_ALIVE_S = 2;
    const w = await watchWills('cut/silent');
    const b = await boardClients('silent', 'cut/silent', [{ id: 'silent-a', keepAlive: KEEP_ALIVE_S }]);
    const at = cut(b);
    const will = await w.will('silent-a');
    const afterMs = will.at - at;
    // Mosquitto drops a client 1.5 x keep_alive after its last packet, checking about once a second.
    expect(afterMs).toBeGreaterThanOrEqual(1.5 * KEEP_ALIVE_S * 1000 - 100);
    expect(afterMs).toBeLessThan(1.5 * KEEP_ALIVE_S * 1000 + 5000);
    expect(await broker.waitForLog(/Client silent-a has exceeded timeout/)).toMatch(/exceeded timeout/);
  });

  it('silent without keep_alive (the SDK default when omitted): no will, ever — the broker still thinks the board is there', async () => {
    const w = await watchWills('cut/trap');
    // The control has a keep-alive: its will marks the moment a will was due for either.
    const b = await boardClients('silent', 'cut/trap', [
      { id: 'trap-no-ka' },
      { id: 'trap-control', keepAlive: 1 },
    ]);
    cut(b);
    await w.will('trap-control');
    // A round trip after the control's timeout: anything the broker was going to send is in.
    await w.o.publishAsync('cut/trap/probe', 'p', { qos: 1 });
    await w.seen.until((items) => items.some((m) => m.topic === 'cut/trap/probe'));
    expect(w.seen.items.map((m) => m.topic)).toEqual(['cut/trap/trap-control', 'cut/trap/probe']);
    expect(broker.logs()).not.toMatch(/Client trap-no-ka .*(disconnect|closed|exceeded)|Socket error on client trap-no-ka/);
    // Only the board coming back shows the old connection was alive all along: it is taken over.
    await b.board.powerOn();
    const again = new ((b.board.mqtt as Dl7450MqttModule).MqttClient)(URL, 'trap-no-ka');
    const rec = recordClient(again);
    again.connect(rec.onConnect);
    expect((await rec.next('connect')).rc).toBe(0);
    expect(await broker.waitForLog(/Client trap-no-ka already connected, closing old connection/)).toMatch(/already connected/);
  });
});
