import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { connected } from '../support/bridge-bench.js';
import { collected } from '../support/collected.js';
import { createManualClock } from '../../drivers/boards/dl7450/manual-clock.js';
import { createLineModel, type LineModel } from '../../drivers/line-model/line-model.js';
import { tsApp } from '../../drivers/boards/apps/ts-app.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';
import type { Dl7450Event } from '../../drivers/boards/dl7450/dl7450-board.js';
import type { ByteLine } from '../../streams/link/link-over-line.js';

// Rows PW*, P4: the board's power. Off is instantaneous (the frame on the wire is cut, RAM is
// lost, nothing more is written); on boots with a new boot id, sends HELLO and restarts the app.

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
const mod = () => bench?.board.mqtt as Dl7450MqttModule;

async function observer(topic: string) {
  const o = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  observers.push(o);
  await connected(o);
  await o.subscribeAsync(topic, { qos: 2 });
  const seen = collected<string>();
  o.on('message', (t, p) => seen.push(`${t}=${p.length > 64 ? `<${p.length} bytes>` : p.toString()}`));
  return { o, seen };
}

/** Both sides of the board's line, below any line model: what really crossed the pty. */
function tapLine(line: ByteLine) {
  const out = collected<Buffer>(); // board -> bridge
  const into = collected<Buffer>(); // bridge -> board
  line.data$.subscribe((chunk) => into.push(Buffer.from(chunk)));
  const tapped: ByteLine = {
    data$: line.data$,
    write: (bytes) => {
      out.push(Buffer.from(bytes));
      return line.write(bytes);
    },
  };
  const bytes = (c: typeof out) => c.items.reduce((n, b) => n + b.length, 0);
  return { tapped, out, into, bytes };
}

/** A frame (bytes between 0x00 delimiters) sent twice: a retransmission. */
function aFrameRepeats(bytes: Buffer): boolean {
  const frames: string[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0); i !== -1; start = i + 1, i = bytes.indexOf(0, start)) {
    if (i > start) frames.push(bytes.subarray(start, i).toString('hex'));
  }
  return new Set(frames).size < frames.length;
}

const bridgeLog = (b: Dl7450Bench, msg: string) => b.logs.filter((l) => l.msg === msg);

describeNeeding(['sdk-handle', 'app-choice', 'power', 'line-model'], 'power off: instantaneous', () => {
  it('PW1 cuts the frame on the wire, writes nothing more, and the cut packet never reaches the broker', async () => {
    const watch = await observer('pw1/#');
    let tap!: ReturnType<typeof tapLine>;
    let model!: LineModel;
    let handed = 0; // bytes the board's link handed to the line (its UART)
    bench = await startDl7450Bench(broker, {
      wrapLine: (line) => {
        tap = tapLine(line);
        model = createLineModel(tap.tapped, { baud: 115_200 });
        return {
          data$: model.data$,
          write: (bytes) => {
            handed += bytes.length;
            return model.write(bytes);
          },
          dropUnsent: () => model.dropUnsent(),
        } as ByteLine;
      },
    });
    const events: Dl7450Event[] = [];
    bench.board.events$.subscribe((e) => events.push(e));
    const c = new (mod().MqttClient)(URL, 'pw1');
    const rec = recordClient(c);
    c.connect(rec.onConnect);
    expect((await rec.next('connect')).rc).toBe(0);
    c.subscribe(['pw1/cmd', 1]);
    await rec.next('subscribe');

    const before = tap.bytes(tap.out);
    c.publish('pw1/big', new Uint8Array(20_000).fill(0x5a), 1); // ~1.7 s at 115 200 baud
    await tap.out.until(() => tap.bytes(tap.out) > before + 4000); // well into the packet
    bench.board.powerOff();
    const atCut = tap.bytes(tap.out);
    const off = events.find((e) => e.type === 'power' && e.state === 'off');
    expect(off).toMatchObject({ droppedBytes: expect.any(Number) });
    const dropped = (off as { droppedBytes: number }).droppedBytes;
    expect(dropped).toBeGreaterThan(0);
    expect(atCut + dropped).toBe(handed); // every byte the board wrote either crossed or died with it
    expect(atCut - before).toBeLessThan(20_000); // the packet was cut short on the wire

    // The bridge sends the board a message and, hearing no acknowledgement, sends it again:
    // the board had every chance to answer and said nothing.
    const inBefore = tap.into.items.length;
    await watch.o.publishAsync('pw1/cmd', 'are you there', { qos: 1 });
    await tap.into.until((chunks) => aFrameRepeats(Buffer.concat(chunks.slice(inBefore))));
    expect(tap.bytes(tap.out)).toBe(atCut);

    await bench.board.powerOn();
    const c2 = new (mod().MqttClient)(URL, 'pw1');
    const rec2 = recordClient(c2);
    c2.connect(rec2.onConnect);
    expect((await rec2.next('connect')).rc).toBe(0);
    c2.publish('pw1/after', 'back', 1);
    await watch.seen.until((s) => s.includes('pw1/after=back'));
    expect(watch.seen.items.filter((s) => s.startsWith('pw1/big'))).toEqual([]);
    // The first bytes after the cut are the new boot's: a 0x00 that flushes the half frame.
    expect(tap.out.items.map((b) => b.toString('hex')).join('').slice(atCut * 2, atCut * 2 + 2)).toBe('00');
  });
});

describeNeeding(['sdk-handle', 'app-choice', 'power', 'line-model'], 'power on: a new boot', () => {
  it('PW2 boots with a new boot id: the bridge sees a reboot, the will fires, the app starts again', async () => {
    const watch = await observer('pw2/#');
    let starts = 0;
    const app = tsApp(({ mqtt: m }) => {
      const boot = ++starts;
      const c = new m.MqttClient(URL, 'pw2');
      c.connect((rc) => rc === 0 && c.publish('pw2/hello', `boot ${boot}`, 1), { will_topic: 'pw2/will', will_qos: 1, will_message: `boot ${boot} died` });
    });
    bench = await startDl7450Bench(broker, { app });
    const events: Dl7450Event[] = [];
    bench.board.events$.subscribe((e) => events.push(e));
    await watch.seen.until((s) => s.includes('pw2/hello=boot 1'));

    bench.board.powerOff();
    await bench.board.powerOn();
    await watch.seen.until((s) => s.includes('pw2/hello=boot 2'));

    expect(starts).toBe(2);
    expect(watch.seen.items).toEqual(['pw2/hello=boot 1', 'pw2/will=boot 1 died', 'pw2/hello=boot 2']);
    expect(events.filter((e) => e.type === 'power').map((e) => `${e.state}@${e.boot}`)).toEqual(['off@1', 'booting@1', 'on@2']);
    expect(events.some((e) => e.type === 'app-ended' && e.boot === 1)).toBe(true);
    const ups = bridgeLog(bench, 'link up');
    expect(ups.length).toBe(2);
    expect(bridgeLog(bench, 'link down: every connection on it ends').map((l) => l.cause)).toEqual(['peer-reboot']);
  });

  it('PW3 waits the configured boot delay before it boots', async () => {
    const clock = createManualClock();
    bench = await startDl7450Bench(broker, { clock, bootDelayMs: 250, poweredOn: false });
    const booted = bench.board.powerOn();
    expect(bench.board.state).toBe('booting');
    expect(bench.board.mqtt).toBeUndefined();
    clock.advance(249);
    expect(bench.board.state).toBe('booting');
    clock.advance(1);
    await booted;
    expect(bench.board.state).toBe('on');
    expect(bench.board.mqtt).toBeDefined();
  });
});

describeNeeding(['sdk-handle', 'app-choice', 'power', 'line-model'], 'RAM is lost with the power', () => {
  it('P4 a message queued while disconnected is lost if the board reboots', async () => {
    const watch = await observer('p4/#');
    const clock = createManualClock(); // holds the reconnect, so the message stays queued
    bench = await startDl7450Bench(broker, { clock });
    const c = new (mod().MqttClient)(URL, 'p4');
    const rec = recordClient(c);
    c.connect(rec.onConnect);
    expect((await rec.next('connect')).rc).toBe(0);
    const lost = rec.next('connect');
    const intruder = mqtt.connect(broker.url, { clientId: 'p4', clean: false, reconnectPeriod: 0 });
    await connected(intruder);
    await intruder.endAsync();
    expect((await lost).rc).toBe(-1);
    c.publish('p4/doomed', 'queued in RAM', 1);

    bench.board.powerOff();
    await bench.board.powerOn();
    const c2 = new (mod().MqttClient)(URL, 'p4');
    const rec2 = recordClient(c2);
    c2.connect(rec2.onConnect);
    expect((await rec2.next('connect')).rc).toBe(0);
    c2.publish('p4/after', 'rebooted', 1);
    await watch.seen.until((s) => s.includes('p4/after=rebooted'));
    expect(watch.seen.items).toEqual(['p4/after=rebooted']);
  });
});
