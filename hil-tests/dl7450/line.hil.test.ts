import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import mqtt from 'mqtt';
import { Subject } from 'rxjs';
import { performance } from 'node:perf_hooks';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { connected } from '../support/bridge-bench.js';
import { createLineModel, type LineModel } from '../../drivers/line-model/line-model.js';
import { deframe } from '../../streams/framing/deframe.js';
import { Channel, FLAG_FIRST } from '../../streams/link/protocol.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';
import type { ByteLine } from '../../streams/link/link-over-line.js';

// Row L1: at 115 200 baud a 1 MiB download to the board does not delay keep-alive pings past
// their deadline. Real time, on purpose: ~91 s of line time, since the bridge, the broker and
// MQTT.js's keep-alive all run on the wall clock.

let broker: TestBroker;
let bench: Dl7450Bench | undefined;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => broker.stop());
afterEach(async () => {
  await bench?.stop();
  bench = undefined;
});

const PINGREQ = 0xc0;
const PINGRESP = 0xd0;

/** First bytes of the MQTT packets in the frames crossing one way, stamped when they crossed. */
function mqttPacketTypes(onPacket: (type: number, at: number) => void): Subject<Buffer> {
  const bytes = new Subject<Buffer>();
  bytes.pipe(deframe({ maxPayload: 64 * 1024 })).subscribe((e) => {
    // payload[0] is the connection id; a packet's type is in the first fragment's next byte.
    if (e.type === 'frame' && e.frame.channel === Channel.MQTT && e.frame.flags & FLAG_FIRST && e.frame.payload.length > 1) {
      onPacket(e.frame.payload[1] & 0xf0, performance.now());
    }
  });
  return bytes;
}

describeNeeding(['sdk-handle', 'line-model'], 'line model', () => {
  it('L1 at 115 200 baud, a 1 MiB download does not delay keep-alive pings past their deadline', { timeout: 300_000 }, async () => {
    const KEEP_ALIVE_S = 5;
    const MESSAGES = 64;
    const SIZE = 16 * 1024; // 64 x 16 KiB = 1 MiB
    const pingsSent: number[] = [];
    const pongsHeard: number[] = [];
    let model!: LineModel;
    bench = await startDl7450Bench(broker, {
      wrapLine: (line) => {
        model = createLineModel(line, { baud: 115_200 });
        // Stamped at the board's side of the wire: when it hands a PINGREQ to its UART, and when
        // the PINGRESP's last byte has crossed the line to it.
        const sent = mqttPacketTypes((type, at) => type === PINGREQ && pingsSent.push(at));
        const heard = mqttPacketTypes((type, at) => type === PINGRESP && pongsHeard.push(at));
        model.data$.subscribe((chunk) => heard.next(Buffer.from(chunk)));
        return {
          data$: model.data$,
          write: (b) => {
            sent.next(Buffer.from(b));
            return model.write(b);
          },
          dropUnsent: () => model.dropUnsent(),
        } as ByteLine;
      },
    });
    const c = new (bench.board.mqtt as Dl7450MqttModule).MqttClient('tcp://iot.example.com', 'l1');
    const rec = recordClient(c);
    c.connect(rec.onConnect, { keep_alive: KEEP_ALIVE_S });
    expect((await rec.next('connect')).rc).toBe(0);
    c.subscribe(['l1/download', 0]);
    await rec.next('subscribe');

    let received = 0;
    let bytes = 0;
    let outOfOrder = 0;
    const all = new Promise<void>((resolve) =>
      c.on_message((_topic, message) => {
        if (message[0] !== received % 256 || message[SIZE - 1] !== received % 256) outOfOrder++;
        received++;
        bytes += message.length;
        if (received === MESSAGES) resolve();
      }),
    );
    const backend = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(backend);
    const started = performance.now();
    for (let i = 0; i < MESSAGES; i++) backend.publish('l1/download', Buffer.alloc(SIZE, i % 256), { qos: 0 });
    await all;
    const seconds = (performance.now() - started) / 1000;
    backend.end(true);

    expect(bytes).toBe(MESSAGES * SIZE);
    expect(outOfOrder).toBe(0);
    expect(seconds).toBeGreaterThan((MESSAGES * SIZE) / 11_520); // the line really was 115 200 baud
    expect(rec.of('connect').map((e) => e.rc)).toEqual([0]); // the keep-alive never gave up
    // The download spanned many keep-alive periods, and each PINGREQ was answered in time.
    expect(pingsSent.length).toBeGreaterThanOrEqual(Math.floor(seconds / KEEP_ALIVE_S) - 1);
    const answeredIn = pingsSent.map((at) => (pongsHeard.find((p) => p > at) ?? Number.POSITIVE_INFINITY) - at);
    for (const ms of answeredIn.slice(0, -1)) expect(ms).toBeLessThan(KEEP_ALIVE_S * 1000);
    console.info(`L1: ${MESSAGES * SIZE} bytes in ${seconds.toFixed(1)} s; ${pingsSent.length} pings, answered in ${answeredIn.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    expect(model.stats().rx.bytes).toBeGreaterThan(MESSAGES * SIZE);
  });
});
