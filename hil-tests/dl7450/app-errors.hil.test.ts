import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { collected, type Collected } from '../support/collected.js';
import { connected } from '../support/bridge-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { createPythonApp } from '../../drivers/boards/apps/python/python-app.js';
import { dedent } from '../../drivers/boards/apps/test-support/python-source.js';
import type { AppRunner, Dl7450BoardOptions } from '../../drivers/boards/dl7450/dl7450-board.js';
import { errorDescription } from '../../drivers/boards/dl7450/mqtt-errors.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// Python board apps that fail, on a virtual DL-7450 through the bridge to a real broker: what
// reaches the bridge's log over the LOG channel, and what keeps working afterwards.

const URL = 'tcp://broker.bench.local:1883';

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

/** A Python app from indented source; `started` gives the running app's `done`, to tell ended from running. */
function pythonBoardApp(source: string, filename: string) {
  const text = dedent(source);
  const python = createPythonApp(text, filename);
  // Wrapped: a promise resolved with a promise would adopt it, and wait for the app to end.
  let markStarted!: (running: { done: Promise<void> }) => void;
  const started = new Promise<{ done: Promise<void> }>((resolve) => (markStarted = resolve));
  const app: AppRunner = (ctx) => {
    const running = python(ctx);
    markStarted({ done: running.done });
    return running;
  };
  /** 1-based line of the first line containing `fragment`, as a traceback numbers it. */
  const lineOf = (fragment: string) => text.split('\n').findIndex((line) => line.includes(fragment)) + 1;
  return { app, started, lineOf };
}

/**
 * The board's console lines as the bridge logged them ("board log"). bench.logs is a plain array
 * its log sink pushes to, so its push is watched: tests wait for lines, not for time.
 */
function boardLog(b: Dl7450Bench): Collected<string> {
  const lines = collected<string>();
  const take = (entry: Record<string, unknown>) => {
    if (entry.msg === 'board log') lines.push(String(entry.text));
  };
  b.logs.forEach(take);
  const push = b.logs.push.bind(b.logs);
  b.logs.push = (...entries) => {
    entries.forEach(take);
    return push(...entries);
  };
  return lines;
}

/** Resolves once `expected` appears in `lines` as consecutive lines. */
function logged(lines: Collected<string>, expected: string[]): Promise<void> {
  const found = (items: readonly string[]) => items.some((_, i) => expected.every((line, j) => items[i + j] === line));
  return lines.until(found);
}

async function start(app: AppRunner, options: Omit<Dl7450BoardOptions, 'line' | 'app'> = {}) {
  bench = await startDl7450Bench(broker, { app, ...options });
  return { b: bench, log: boardLog(bench) };
}

async function watch(topic: string) {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  observers.push(o);
  await connected(o);
  await o.subscribeAsync(topic, { qos: 2 });
  const seen = collected<{ topic: string; text: string }>();
  o.on('message', (t, p) => seen.push({ topic: t, text: p.toString('utf8') }));
  const has = (topic: string, text: string) => seen.until((items) => items.some((m) => m.topic === topic && m.text === text));
  return { o, seen, has };
}

/** The link still carries MQTT: a fresh client of the board's module, driven from TypeScript, gets a message out. */
async function linkStillCarries(b: Dl7450Bench, topic: string): Promise<void> {
  const w = await watch(topic);
  const c = new ((b.board.mqtt as Dl7450MqttModule).MqttClient)(URL, `${topic.replace(/\W/g, '-')}-ts`);
  const rec = recordClient(c);
  c.connect(rec.onConnect);
  expect((await rec.next('connect')).rc).toBe(0);
  c.publish(topic, 'link alive', 1);
  await w.has(topic, 'link alive');
}

/** One link session for the whole test: it never went down and came back. */
function linkNeverDropped(b: Dl7450Bench): void {
  expect(b.logs.filter((l) => l.msg === 'link up')).toHaveLength(1);
  expect(b.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('link down'))).toEqual([]);
}

describeNeeding(['app-choice'], 'an app that raises: the board logs the traceback on its LOG channel (visible in the bridge log) and keeps its link alive', () => {
  it('at top level: the traceback names the file and the lines; the app ends; the link and the mqtt module go on', async () => {
    const py = pythonBoardApp(
      `
      import time
      from mqtt import MqttClient

      up = []
      client = MqttClient("${URL}", "top-raiser")
      client.connect(lambda rc, flags: up.append(rc))
      # Raises only once connected: the link is up, so the traceback has a host to go to.
      while 0 not in up:
          time.sleep_ms(10)


      def check(value):
          raise ValueError("bad value %d" % value)


      check(42)
      `,
      'top_raise.py',
    );
    const { b, log } = await start(py.app);
    await logged(log, [
      'Traceback (most recent call last):',
      `  File "top_raise.py", line ${py.lineOf('check(42)')}, in <module>`,
      `  File "top_raise.py", line ${py.lineOf('raise ValueError')}, in check`,
      'ValueError: bad value 42',
    ]);
    await (await py.started).done; // the app has ended, as a board's script does when it raises
    await linkStillCarries(b, 'errors/top/after');
    linkNeverDropped(b);
  });

  it('inside a callback: the traceback names the callback and its line; the app goes on running its callbacks', async () => {
    const py = pythonBoardApp(
      `
      from mqtt import MqttClient, QOS1

      client = MqttClient("${URL}", "cb-raiser")


      def on_connect(rc, flags):
          if rc == 0:
              client.subscribe(("errors/cb/in", QOS1))


      def on_subscribe(mid, granted):
          client.publish("errors/cb/ready", "subscribed", QOS1)


      def on_message(topic, message):
          if bytes(message) == b"raise":
              raise RuntimeError("asked to raise")
          client.publish("errors/cb/out", message, QOS1)


      client.on_subscribe(on_subscribe)
      client.on_message(on_message)
      client.connect(on_connect)
      `,
      'cb_raise.py',
    );
    const w = await watch('errors/cb/#');
    const { b, log } = await start(py.app);
    await w.has('errors/cb/ready', 'subscribed');
    await w.o.publishAsync('errors/cb/in', 'raise', { qos: 1 });
    await logged(log, [
      'Traceback (most recent call last):',
      `  File "cb_raise.py", line ${py.lineOf('raise RuntimeError')}, in on_message`,
      'RuntimeError: asked to raise',
    ]);
    await w.o.publishAsync('errors/cb/in', 'after the raise', { qos: 1 });
    await w.has('errors/cb/out', 'after the raise');
    const { done } = await py.started;
    expect(await Promise.race([done.then(() => 'ended'), Promise.resolve('running')])).toBe('running');
    await linkStillCarries(b, 'errors/cb/ts');
    linkNeverDropped(b);
  });
});

describeNeeding(['app-choice'], 'invalid arguments from Python raise exactly the SDK exceptions, through the bench', () => {
  it('TypeError for an unknown connect option, an empty topic, QoS 3; MqttError (errno, args) for -14 and -4; subscribe returns -9, -6, -3', async () => {
    const py = pythonBoardApp(
      `
      from mqtt import MqttClient, MqttError, QOS1


      def attempt(label, call):
          try:
              print(label, "returned", call())
          except MqttError as e:
              print(label, "MqttError", e.errno, e.args)
          except TypeError as e:
              print(label, "TypeError", e)


      client = MqttClient("${URL}", "sdk-errors")
      attempt("option", lambda: client.connect(lambda rc, flags: None, {"clean_session": 1}))
      attempt("topic", lambda: client.publish("", "x", QOS1))
      attempt("qos", lambda: client.publish("t", "x", 3))
      attempt("scheme", lambda: MqttClient("http://host:80", "x"))
      attempt("queued", lambda: client.publish("t", "x", QOS1))
      attempt("full", lambda: client.publish("t", "x", QOS1))
      attempt("sub-qos", lambda: client.subscribe(("t", 5)))
      attempt("sub-topic", lambda: client.subscribe(("", QOS1)))
      attempt("sub-offline", lambda: client.subscribe(("t", QOS1)))
      print("end of checks")
      `,
      'sdk_errors.py',
    );
    const { b, log } = await start(py.app, { maxPending: 1 });
    await log.until((lines) => lines.includes('end of checks'));
    const printed = (label: string) => log.items.find((line) => line.startsWith(`${label} `));
    expect(printed('option')).toBe("option TypeError unexpected connect option 'clean_session'");
    expect(printed('topic')).toBe('topic TypeError topic must be a non-empty str without wildcards');
    expect(printed('qos')).toBe('qos TypeError qos must be 0, 1 or 2');
    expect(printed('scheme')).toBe(`scheme MqttError -14 (-14, '${errorDescription(-14)}')`);
    expect(printed('queued')).toBe('queued returned 1');
    expect(printed('full')).toBe(`full MqttError -4 (-4, '${errorDescription(-4)}')`);
    expect(printed('sub-qos')).toBe('sub-qos returned -9');
    expect(printed('sub-topic')).toBe('sub-topic returned -6');
    expect(printed('sub-offline')).toBe('sub-offline returned -3');
    expect(log.items.some((line) => line.startsWith('Traceback'))).toBe(false);
    linkNeverDropped(b);
  });
});
