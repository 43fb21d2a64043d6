import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rename, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startTestDaemon, type TestDaemon } from '../support/bridge-daemon.js';
import { describeNeeding } from '../support/board-target.js';
import { recordClient } from '../support/sdk-recorder.js';
import { collected } from '../support/collected.js';
import { connected } from '../support/bridge-bench.js';
import { startSocatPair, type SocatPair } from '../../drivers/test-support/socat-pair.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import { createDl7450Board, type Dl7450Board } from '../../drivers/boards/dl7450/dl7450-board.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// Power loss the bridge did not cause, found without the serial port reporting anything: the
// board's tty vanishing (and coming back under another name), the link's PINGs going
// unanswered. (A HELLO with a new boot id: hil-tests/dl7450/power.hil.test.ts, PW2.)

let broker: TestBroker;
let dir: string;
let daemon: TestDaemon | undefined;
const cleanups: (() => Promise<unknown> | void)[] = [];
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.stop());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await daemon?.daemon.stop();
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

const URL = 'tcp://iot.example.com';

/** A virtual DL-7450 on one end of a fresh socat pair; the other end is where a bridge opens it. */
async function boardOnPty(): Promise<{ pair: SocatPair; line: SerialLink; board: Dl7450Board }> {
  const pair = await startSocatPair();
  const line = createSerialportLink({ path: pair.b, baudRate: 115200 });
  await line.open();
  const board = createDl7450Board({ line, bootDelayMs: 0 });
  await board.powerOn();
  cleanups.push(() => pair.stop(), () => line.close(), () => board.close());
  return { pair, line, board };
}

async function watch(topic: string): Promise<{ o: MqttClient; seen: ReturnType<typeof collected<string>> }> {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  cleanups.push(() => void o.end(true));
  await connected(o);
  await o.subscribeAsync(topic, { qos: 1 });
  const seen = collected<string>();
  o.on('message', (t, p) => seen.push(`${t}=${p}`));
  return { o, seen };
}

async function connectClient(board: Dl7450Board, id: string, topic: string) {
  const c = new ((board.mqtt as Dl7450MqttModule).MqttClient)(URL, id);
  const rec = recordClient(c);
  c.connect(rec.onConnect, { keep_alive: 60, will_topic: topic, will_qos: 1, will_message: `${id} offline` });
  expect((await rec.next('connect')).rc).toBe(0);
  return { c, rec };
}

const logged = (d: TestDaemon, msg: string) => d.logs.filter((l) => l.msg === msg);

describeNeeding(['sdk-handle', 'power'], 'detecting power loss the bridge did not cause', () => {
  it('the tty vanishes with nothing reported (the board still answers): the will goes out; it comes back under another name and the bridge re-attaches', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl7450-vanish-'));
    const byId = join(dir, 'usb-DisplayLink_DL-7450_0001-if00'); // a /dev/serial/by-id link, as udev makes it
    const first = await boardOnPty();
    await symlink(first.pair.a, byId);
    const w = await watch('vanish/#');
    daemon = await startTestDaemon(broker, [{ name: 'dut', port: byId, link: 'framed' }]);
    await connectClient(first.board, 'vanish-a', 'vanish/will');

    await unlink(byId); // USB unplugged: the node goes; no read or write on the open fd fails
    await w.seen.until((s) => s.includes('vanish/will=vanish-a offline'));
    const lost = logged(daemon, 'board line lost: its broker connections are dropped');
    expect(lost.map((l) => l.err)).toEqual([`the device vanished (${byId} is gone) without the line reporting it`]);
    expect(first.board.state).toBe('on'); // the board never noticed: only the path went

    // Plugged in again, enumerated as another tty: the by-id link now leads there.
    const second = await boardOnPty();
    await symlink(second.pair.a, `${byId}.new`);
    await rename(`${byId}.new`, byId);
    const { rec } = await connectClient(second.board, 'vanish-a', 'vanish/will');
    expect(rec.of('connect').map((e) => e.rc)).toEqual([0]);
    expect(logged(daemon, 'board line open')).toHaveLength(2);
  });

  it('the board dies on an open line (no hang-up, no error): unanswered link PINGs find it, and the will goes out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl7450-silent-'));
    const b = await boardOnPty();
    const w = await watch('pingless/#');
    daemon = await startTestDaemon(broker, [{ name: 'dut', port: b.pair.a, link: 'framed' }]);
    await connectClient(b.board, 'pingless', 'pingless/will');
    b.board.powerOff(); // the bridge is not told
    await w.seen.until((s) => s.includes('pingless/will=pingless offline'));
    const down = logged(daemon, 'link down: every connection on it ends');
    expect(down.map((l) => l.cause)).toEqual(['broken']);
    expect(down[0].detail).toMatch(/no acknowledgement|PING|answered none/);
  });
});
