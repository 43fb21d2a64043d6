import { afterEach, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import mqtt from 'mqtt';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { connected } from '../support/bridge-bench.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { createManualClock } from '../../drivers/boards/dl7450/manual-clock.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// Rows R*: automatic reconnection. The board's clock is manual, so the 1 s .. 60 s schedule is
// checked exactly without waiting for it; the bridge and the broker keep real time.

let broker: TestBroker | undefined;
let bench: Dl7450Bench | undefined;
afterEach(async () => {
  await bench?.stop();
  await broker?.stop();
  bench = undefined;
  broker = undefined;
});

const URL = 'tcp://iot.example.com';

describeNeeding(['sdk-handle', 'board-settings'], 'reconnection', () => {
  it('R1 after a failed attempt: retries after 1, 2, 4, 8, 16, 32 s, then every 60 s', async () => {
    broker = await startTestBroker();
    const clock = createManualClock();
    bench = await startDl7450Bench({ ...broker, url: 'mqtt://127.0.0.1:1' }, { clock }); // nothing listens there
    const c = new ((bench.board.mqtt as Dl7450MqttModule).MqttClient)(URL, 'r1');
    const rec = recordClient(c, clock.now);
    c.connect(rec.onConnect);
    const waits: number[] = [];
    for (let attempt = 0; attempt < 9; attempt++) {
      const failed = await rec.next('connect');
      expect(failed.rc).toBe(-1);
      const [wait] = clock.pending();
      waits.push(wait);
      clock.advance(wait - 1);
      expect(rec.of('connect')).toHaveLength(attempt + 1); // not a millisecond early
      clock.advance(1);
    }
    await rec.next('connect');
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    c.disconnect();
  });

  it('R2/R3 a lost connection calls on_connect(-1), reconnects after 1 s, calls on_connect(0); the schedule resets', async () => {
    broker = await startTestBroker();
    const clock = createManualClock();
    bench = await startDl7450Bench(broker, { clock });
    const c = new ((bench.board.mqtt as Dl7450MqttModule).MqttClient)(URL, 'r2');
    const rec = recordClient(c, clock.now);
    c.connect(rec.onConnect);
    expect((await rec.next('connect')).rc).toBe(0);
    // Another client with the same id takes the session over: the broker drops the board's connection.
    const takeOver = async () => {
      const intruder = mqtt.connect((broker as TestBroker).url, { clientId: 'r2', clean: false, reconnectPeriod: 0 });
      await connected(intruder);
      await intruder.endAsync();
    };
    for (let round = 0; round < 2; round++) {
      const lost = rec.next('connect');
      await takeOver();
      expect((await lost).rc).toBe(-1);
      expect(clock.pending()).toEqual([1000]); // after a success the schedule starts again at 1 s
      const back = rec.next('connect');
      clock.advance(1000);
      expect((await back).rc).toBe(0);
    }
    c.disconnect();
  });
});
