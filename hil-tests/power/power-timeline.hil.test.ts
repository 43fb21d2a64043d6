import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { describeNeeding } from '../support/board-target.js';
import { connected } from '../support/bridge-bench.js';
import { collected } from '../support/collected.js';
import { tsApp } from '../../drivers/boards/apps/ts-app.js';
import { runPowerAction } from '../../bridge/strategies/power-action.js';
import type { DaemonBoard } from '../../bridge/daemon/daemon.js';
import type { TimelineStep } from '../../bridge/strategies/timeline.js';

// The power strategy's timeline for a virtual DL-7450 through the bridge to Mosquitto: cut,
// link loss, broker connection dropped, the will at an observer, power back, HELLO, CONNACK
// with session-present, and the QoS 1/2 messages the broker kept for the board while it was off.

let broker: TestBroker;
let bench: Dl7450Bench | undefined;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.stop());
afterEach(async () => {
  await bench?.stop();
  bench = undefined;
});

// The board's app: a persistent session subscribed to timeline/in at QoS 1, with a will.
const app = tsApp(({ mqtt: m, log }) => {
  const c = new m.MqttClient('tcp://iot.example.com', 'timeline-board');
  c.on_message((topic) => log(`got ${topic}`));
  c.connect((rc) => rc === 0 && c.subscribe(['timeline/in', 1]), { keep_alive: 30, will_topic: 'timeline/status', will_qos: 1, will_message: 'offline' });
});

async function benchWithClient(): Promise<{ b: Dl7450Bench; dut: DaemonBoard }> {
  bench = await startDl7450Bench(broker, { app });
  const dut = bench.daemon.boards.get('dut') as DaemonBoard;
  // Connected and subscribed: the broker's SUBACK went by.
  await new Promise<void>((resolve) => {
    const sub = dut.packets$.subscribe((p) => p.packet.cmd === 'suback' && (sub.unsubscribe(), resolve()));
  });
  return { b: bench, dut };
}

const names = (steps: TimelineStep[]) => steps.map((s) => s.step);

describeNeeding(['app-choice', 'power'], 'power timelines', () => {
  it('cut, then messages sent while it is off, then on: every step in order, and the kept messages redelivered', async () => {
    const { dut } = await benchWithClient();
    const alreadyOn = await runPowerAction('dut', dut, 'on');
    expect(alreadyOn.ok).toBe(false);
    expect(alreadyOn.steps).toEqual([expect.objectContaining({ step: 'error', detail: expect.stringMatching(/^the board is already on \(.*\): nothing to switch; power cycle restarts it$/) })]);
    expect(dut.clients()).toEqual([{ connId: expect.any(Number), clientId: 'timeline-board', keepalive: 30, will: { topic: 'timeline/status', qos: 1 } }]);

    const seen: TimelineStep[] = [];
    const cut = await runPowerAction('dut', dut, 'cut', { profile: 'rst' }, (s) => seen.push(s));
    expect(cut.ok).toBe(true);
    expect(names(cut.steps)).toEqual(['cut', 'link-lost', 'broker-dropped', 'will']);
    expect(seen).toEqual(cut.steps); // reported as they happened
    const will = cut.steps[3];
    expect(will).toMatchObject({ clientId: 'timeline-board', detail: 'timeline/status = "offline" (client timeline-board)' });
    expect(will.atMs).toBeGreaterThanOrEqual(cut.steps[0].atMs);
    expect(cut.steps[2].detail).toMatch(/client timeline-board\): rst$/);

    const backend = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(backend);
    for (let i = 0; i < 3; i++) await backend.publishAsync('timeline/in', `kept ${i}`, { qos: 1 });
    backend.end(true);

    const on = await runPowerAction('dut', dut, 'on', { settleMs: 300 });
    expect(on.ok).toBe(true);
    expect(names(on.steps)).toEqual(['power-on', 'hello', 'connack', 'redelivered']);
    expect(on.steps[2]).toMatchObject({ clientId: 'timeline-board', sessionPresent: true });
    expect(on.steps[3]).toMatchObject({ clientId: 'timeline-board', count: 3 });
  });

  it('cycle: one timeline from the cut to the redelivery, with the off time in between', async () => {
    const { dut } = await benchWithClient();
    const t = await runPowerAction('dut', dut, 'cycle', { profile: 'fin', offMs: 200, settleMs: 200 });
    expect(t.ok).toBe(true);
    expect(names(t.steps)).toEqual(['cut', 'link-lost', 'broker-dropped', 'will', 'power-on', 'hello', 'connack', 'redelivered']);
    const at = (step: string) => (t.steps.find((s) => s.step === step) as TimelineStep).atMs;
    expect(at('power-on') - at('cut')).toBeGreaterThanOrEqual(200);
    expect(t.steps.find((s) => s.step === 'redelivered')?.count).toBe(0);
  });

  it('cancelled while off (its client went away): ends at once, saying the board is left off', async () => {
    const { dut } = await benchWithClient();
    const stop = new AbortController();
    const t = await runPowerAction('dut', dut, 'cycle', { profile: 'rst', offMs: 120_000, signal: stop.signal }, (s) => s.step === 'will' && stop.abort('the control client went away'));
    expect(t.ok).toBe(false);
    expect(names(t.steps)).toEqual(['cut', 'link-lost', 'broker-dropped', 'will', 'error']);
    expect(t.steps[4].detail).toBe('cancelled (the control client went away): the board is left powered off');
    expect(await dut.power.state()).toBe('off');
    const again = await runPowerAction('dut', dut, 'cut');
    expect(again.ok).toBe(false);
    expect(again.steps).toEqual([expect.objectContaining({ step: 'error', detail: expect.stringMatching(/^the board is already off \(.*\): nothing to switch; power on brings it back$/) })]);
  });

  it('silent: says up front that the will waits for the broker\'s keep-alive, then gets it', async () => {
    const brief = tsApp(({ mqtt: m }) => {
      const c = new m.MqttClient('tcp://iot.example.com', 'brief-keepalive');
      c.connect((rc) => rc === 0 && c.subscribe(['timeline/brief', 1]), { keep_alive: 2, will_topic: 'timeline/brief-status', will_qos: 1, will_message: 'offline' });
    });
    bench = await startDl7450Bench(broker, { app: brief });
    const dut = bench.daemon.boards.get('dut') as DaemonBoard;
    await new Promise<void>((resolve) => {
      const sub = dut.packets$.subscribe((p) => p.packet.cmd === 'suback' && (sub.unsubscribe(), resolve()));
    });
    const t = await runPowerAction('dut', dut, 'cut', { profile: 'silent' });
    expect(names(t.steps)).toEqual(['cut', 'link-lost', 'broker-dropped', 'waiting', 'will']);
    expect(t.steps[3].detail).toBe('client brief-keepalive: a silent cut is noticed only by the broker\'s keep-alive, so its will on timeline/brief-status is due within 1.5 x 2 s; waiting up to 8.0 s before anything else');
    expect(t.ok).toBe(true);
  });

  it('silent with keep-alive 0 says no will will come, instead of waiting for one', async () => {
    const quiet = tsApp(({ mqtt: m }) => {
      const c = new m.MqttClient('tcp://iot.example.com', 'no-keepalive');
      c.connect((rc) => rc === 0 && c.subscribe(['timeline/none', 1]), { will_topic: 'timeline/none-status', will_qos: 1, will_message: 'offline' });
    });
    bench = await startDl7450Bench(broker, { app: quiet });
    const dut = bench.daemon.boards.get('dut') as DaemonBoard;
    const wills = collected<string>();
    const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(o);
    await o.subscribeAsync('timeline/none-status', { qos: 1 });
    o.on('message', (_t, p) => wills.push(p.toString()));
    await new Promise<void>((resolve) => {
      const sub = dut.packets$.subscribe((p) => p.packet.cmd === 'suback' && (sub.unsubscribe(), resolve()));
    });
    const t = await runPowerAction('dut', dut, 'cut', { profile: 'silent' });
    expect(names(t.steps)).toEqual(['cut', 'link-lost', 'broker-dropped', 'no-will']);
    expect(t.steps[3].detail).toMatch(/keep-alive 0 and a silent cut: the broker never notices/);
    expect(t.ok).toBe(true);
    o.end(true);
  });
});
