import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { startTestDaemon, type TestDaemon } from '../support/bridge-daemon.js';
import { boardTarget, itNeeding } from '../support/board-target.js';
import { collected } from '../support/collected.js';
import { connected } from '../support/bridge-bench.js';
import { loadBoardApp } from '../../drivers/boards/apps/board-app.js';
import { createPythonApp } from '../../drivers/boards/apps/python/python-app.js';
import type { AppRunner } from '../../drivers/boards/dl7450/dl7450-board.js';

// hil-tests/apps/echo_app.py (docs/echo-app.md) through the bridge to a real broker, driven as a
// campaign drives it: JSON commands from an MQTT client at the broker. One suite, two targets:
// on the virtual board each test boots a fresh board running the app; on a physical board
// (DL7450_PORT, see support/board-target.ts) the board already runs it, the bridge attaches once
// for the file, and each test tells its traffic apart by ids and subtopics of its own.

const APP_FILE = fileURLToPath(new URL('../apps/echo_app.py', import.meta.url));
const physical = boardTarget.kind === 'physical';
// A physical board's app may be asleep in its reconnect back-off (up to 60 s) when the bridge attaches.
const TIMEOUT = physical ? 180_000 : 60_000;

interface Seen {
  topic: string;
  payload: Buffer;
  qos: number;
}

let broker: TestBroker;
let source: string;
let bench: Dl7450Bench | undefined;
let physicalBridge: { daemon: TestDaemon; ready: Record<string, unknown> } | undefined;
const observers: MqttClient[] = [];
beforeAll(async () => {
  broker = await startTestBroker();
  source = await readFile(APP_FILE, 'utf8');
});
afterAll(async () => {
  await physicalBridge?.daemon.daemon.stop();
  await broker.stop();
});
afterEach(async () => {
  for (const o of observers.splice(0)) o.end(true);
  await bench?.stop();
  bench = undefined;
});

/** The app as shipped, with its documented override line in front (names unique per test). */
function echoApp(name: string): { app: AppRunner; prefix: string; clientId: string } {
  const prefix = `echo-test/${name}`;
  const clientId = `echo-${name}`;
  const config = JSON.stringify({ client_id: clientId, prefix });
  return { app: createPythonApp(`ECHO_CONFIG = ${config}\n${source}`, 'echo_app.py'), prefix, clientId };
}

/** An observer of everything under `prefix`, subscribed before the board boots so nothing is missed. */
async function watch(prefix: string) {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  observers.push(o);
  await connected(o);
  await o.subscribeAsync(`${prefix}/#`, { qos: 2 });
  const seen = collected<Seen>();
  o.on('message', (topic, payload, packet) => seen.push({ topic, payload, qos: packet.qos }));
  const on = (sub: string) => seen.items.filter((m) => m.topic === `${prefix}/${sub}`);
  const json = (sub: string) => on(sub).map((m) => JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>);
  return {
    seen,
    on,
    json,
    until: (sub: string, n: number) => seen.until(() => on(sub).length >= n),
    command: (cmd: Record<string, unknown>) => o.publishAsync(`${prefix}/cmd`, JSON.stringify(cmd), { qos: 2 }),
    /** The first message on `sub` that is JSON with this id (replies carry their command's id). */
    reply: async (sub: string, id: string) => {
      await seen.until(() => json(sub).some((m) => m.id === id));
      return json(sub).find((m) => m.id === id) as Record<string, unknown>;
    },
  };
}

/** The physical board, its bridge attached once for the file: the first ready message it sent. */
async function attachPhysical(w: Awaited<ReturnType<typeof watch>>): Promise<Record<string, unknown>> {
  if (!physicalBridge) {
    const daemon = await startTestDaemon(broker, [{ name: 'dut', port: boardTarget.port, link: 'framed' }]);
    await w.until('ready', 1);
    physicalBridge = { daemon, ready: w.json('ready')[0] };
  }
  return physicalBridge.ready;
}

/**
 * The board running echo_app.py, once its readiness message arrived: it is subscribed to its
 * commands. `tag` makes this test's ids and subtopics its own.
 */
async function startEcho(name: string, boardOptions: { maxPending?: number } = {}) {
  if (physical) {
    const w = await watch(boardTarget.echoPrefix);
    const ready = await attachPhysical(w);
    return { ...w, prefix: boardTarget.echoPrefix, clientId: String(ready.client), ready, tag: `${name}-${Date.now().toString(36)}` };
  }
  const echo = echoApp(name);
  const w = await watch(echo.prefix);
  bench = await startDl7450Bench(broker, { app: echo.app, ...boardOptions });
  await w.until('ready', 1);
  return { ...echo, ...w, ready: w.json('ready')[0], tag: name };
}

const seqs = (messages: Record<string, unknown>[]) => messages.map((m) => m.seq as number);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const minus = (a: unknown, b: unknown) => (a as number[]).map((x, i) => x - (b as number[])[i]);

describe(`echo_app.py on the ${boardTarget.name}`, () => {
  itNeeding(['app-choice'], 'runs as shipped (defaults, via loadBoardApp) and announces itself on <prefix>/ready', async () => {
    const w = await watch('dl7450/echo');
    bench = await startDl7450Bench(broker, { app: await loadBoardApp(APP_FILE) });
    await w.until('ready', 1);
    expect(w.json('ready')).toEqual([{ ready: true, client: 'dl7450-echo', connect: 1 }]);
    expect(w.on('ready')[0].qos).toBe(1);
  });

  it('announces itself on <prefix>/ready with its client id and how many times it connected since boot', async () => {
    const e = await startEcho('ready');
    expect(e.ready).toMatchObject({ ready: true, client: e.clientId, connect: expect.any(Number) });
    expect(e.ready.connect as number).toBeGreaterThanOrEqual(1);
    if (!physical) expect(e.ready.connect).toBe(1); // a fresh boot
  }, TIMEOUT);

  it('echoes payloads byte for byte: text, empty, UTF-8 and binary, at the QoS asked, on <prefix>/echo[/<topic>]', async () => {
    const e = await startEcho('echo');
    const t = e.tag;
    const cases = [
      { cmd: { op: 'echo', topic: `${t}/text`, payload: 'hello' }, topic: `echo/${t}/text`, bytes: Buffer.from('hello'), qos: 1 },
      { cmd: { op: 'echo', topic: `${t}/empty`, payload: '', qos: 0 }, topic: `echo/${t}/empty`, bytes: Buffer.alloc(0), qos: 0 },
      { cmd: { op: 'echo', topic: `${t}/utf8`, payload: 'é ✓ 😀', qos: 2 }, topic: `echo/${t}/utf8`, bytes: Buffer.from('é ✓ 😀'), qos: 2 },
      { cmd: { op: 'echo', topic: `${t}/bin`, hex: '00ff7f800a0d', qos: 2 }, topic: `echo/${t}/bin`, bytes: Buffer.from('00ff7f800a0d', 'hex'), qos: 2 },
      { cmd: { op: 'echo', topic: `${t}/nohex`, hex: '' }, topic: `echo/${t}/nohex`, bytes: Buffer.alloc(0), qos: 1 },
    ];
    // No topic: straight to <prefix>/echo (the report test below counts such echoes too).
    await e.command({ op: 'echo', payload: t });
    for (const c of cases) await e.command(c.cmd);
    await e.seen.until(() => cases.every((c) => e.on(c.topic).length > 0) && e.on('echo').some((m) => m.payload.toString() === t));
    for (const c of cases) {
      expect(e.on(c.topic).map((m) => [m.payload.toString('hex'), m.qos]), c.topic).toEqual([[c.bytes.toString('hex'), c.qos]]);
    }
    expect(e.on('echo').filter((m) => m.payload.toString() === t).map((m) => m.qos)).toEqual([1]);
  }, TIMEOUT);

  it.each([0, 1, 2])('bursts at QoS %i: every sequence number arrives, padded to the size asked (QoS 2: exactly once)', async (qos) => {
    const e = await startEcho(`burst-${qos}`);
    const id = `${e.tag}-b${qos}`;
    const count = 200;
    const burst = () => e.json('burst').filter((m) => m.burst === id);
    await e.command({ op: 'burst', id, count, qos, size: 128 });
    await e.seen.until(() => new Set(seqs(burst())).size === count);
    expect(burst().every((m) => m.count === count && m.qos === qos)).toBe(true);
    const raw = e.on('burst').filter((m) => JSON.parse(m.payload.toString()).burst === id);
    expect(raw.every((m) => m.payload.length === 128 && m.qos === qos)).toBe(true);
    expect([...new Set(seqs(burst()))].sort((a, b) => a - b)).toEqual(oneTo(count));
    if (qos === 2) expect(seqs(burst())).toHaveLength(count);
  }, TIMEOUT);

  itNeeding(['board-settings'], 'paces a burst longer than the in-flight limit (MqttError -4) instead of cutting it short', async () => {
    const e = await startEcho('paced', { maxPending: 5 });
    await e.command({ op: 'burst', count: 60, qos: 1, window: 0 });
    await e.seen.until(() => new Set(seqs(e.json('burst'))).size === 60);
    expect([...new Set(seqs(e.json('burst')))].sort((a, b) => a - b)).toEqual(oneTo(60));
    expect(e.json('burst')[0].burst).toBe(1); // no id given: bursts are numbered from 1 per boot
  });

  it('answers a bad command on <prefix>/error, with its id, and keeps serving', async () => {
    const e = await startEcho('bad');
    const id = (n: number) => `${e.tag}-c${n}`;
    await e.command({ op: 'reboot', id: id(1) });
    await e.command({ op: 'burst', id: id(2), count: 1, qos: 3 });
    await e.command({ id: id(3) });
    const errors = [await e.reply('error', id(1)), await e.reply('error', id(2)), await e.reply('error', id(3))];
    expect(errors[0].error).toMatch(/^KeyError: reboot/);
    expect(errors[1].error).toMatch(/^ValueError: qos/);
    expect(errors[2].error).toMatch(/^KeyError: op/);
    expect(e.json('burst').filter((m) => m.burst === id(2))).toEqual([]); // a bad burst never starts
    await e.command({ op: 'echo', topic: e.tag, payload: 'still here' });
    await e.until(`echo/${e.tag}`, 1);
    expect(e.on(`echo/${e.tag}`)[0].payload.toString()).toBe('still here');
  }, TIMEOUT);

  it('reports what its callbacks saw, once every earlier publish is confirmed', async () => {
    const e = await startEcho('report');
    const before = await (async () => {
      await e.command({ op: 'report', id: `${e.tag}-r0` });
      return e.reply('report', `${e.tag}-r0`);
    })();
    await e.command({ op: 'echo', topic: e.tag, payload: 'a', qos: 0 });
    await e.command({ op: 'echo', topic: e.tag, payload: 'b', qos: 2 });
    await e.command({ op: 'burst', id: `${e.tag}-q1`, count: 10, qos: 1 });
    await e.command({ op: 'burst', id: `${e.tag}-q2`, count: 3, qos: 2 });
    await e.command({ op: 'oops' });
    // No waiting for the replies: the report itself waits until they are all confirmed.
    await e.command({ op: 'report', id: `${e.tag}-r1` });
    const after = await e.reply('report', `${e.tag}-r1`);
    expect(after).toMatchObject({ client: e.clientId, failed: [0, 0, 0] });
    // Since the first report: the first report (1), the error (1) and a burst (10) at QoS 1; an
    // echo at QoS 0; an echo and a burst (3) at QoS 2. Six commands arrived, one of them bad.
    const published = [1, 12, 4];
    expect({
      published: minus(after.published, before.published),
      confirmed: minus(after.confirmed, before.confirmed),
      messages: (after.messages as number) - (before.messages as number),
      bad_commands: (after.bad_commands as number) - (before.bad_commands as number),
      bursts: (after.bursts as number) - (before.bursts as number),
      connect_calls: (after.connect_calls as number) - (before.connect_calls as number),
    }).toEqual({ published, confirmed: published, messages: 6, bad_commands: 1, bursts: 2, connect_calls: 0 });
    expect(after.connects).toEqual(before.connects);
    expect((after.subscribes as { granted: number[] }[]).at(-1)).toEqual({ mid: expect.any(Number), granted: [2] });
    if (!physical) expect(before).toMatchObject({ connects: [0], connect_calls: 1, connected: 1, published: [0, 1, 0], confirmed: [0, 1, 0] });
    // Everything it counted arrives, once (the QoS 0 echo may come after the report).
    const mine = (sub: string, burst?: string) => e.json(sub).filter((m) => m.burst === burst).length;
    await e.seen.until(() => e.on(`echo/${e.tag}`).length >= 2 && mine('burst', `${e.tag}-q1`) >= 10 && mine('burst', `${e.tag}-q2`) >= 3);
    expect(e.on(`echo/${e.tag}`).map((m) => m.payload.toString()).sort()).toEqual(['a', 'b']);
    expect(mine('burst', `${e.tag}-q2`)).toBe(3);
    expect(e.on('error').length).toBeGreaterThanOrEqual(1);
  }, TIMEOUT);
});
