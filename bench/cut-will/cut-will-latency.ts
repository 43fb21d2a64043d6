import net from 'node:net';
import { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { startMosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { createLogger } from '../../bridge/log.js';
import { runPowerAction } from '../../bridge/strategies/power-action.js';
import type { CutProfile } from '../../bridge/session/cut-profile.js';
import { observeTopics } from '../../bridge/strategies/will-observer.js';
import { startVirtualRig } from '../../bridge/campaign/virtual-rig.js';
import type { Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';

// Cut -> will at an observer, through the bridge's power strategy (rst and fin), next to the
// floor measured in the same run on the same Mosquitto: a plain MQTT client connected straight
// to the broker whose TCP socket is reset. Paths alternate cut by cut.

export interface CutWillResult {
  path: string;
  samples: number[];
}

const quiet = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));

/** The floor: CONNECT with a will on a raw socket, then reset it; ms until the observer has the will. */
async function floorCut(port: number, i: number): Promise<number> {
  const topic = `bench/floor/${i}`;
  let arrived!: (at: bigint) => void;
  const got = new Promise<bigint>((resolve) => (arrived = resolve));
  const observer = await observeTopics(`mqtt://127.0.0.1:${port}`, [topic], (m) => m.topic === topic && arrived(m.at));
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const connack = new Promise((resolve) => socket.once('data', resolve));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `floor-${i}`, clean: true, keepalive: 60, will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } }));
  await connack;
  const t0 = process.hrtime.bigint();
  socket.resetAndDestroy();
  const t1 = await got;
  await observer.close();
  return Number(t1 - t0) / 1e6;
}

async function boardRig(port: number) {
  const rig = await startVirtualRig({ brokerUrl: `mqtt://127.0.0.1:${port}`, boardId: 'bench-board', logger: quiet });
  const { dut, board } = rig;
  await board.powerOn();
  let n = 0;
  /** A client with a will on the booted board, connected through the bridge. */
  const connect = async (): Promise<void> => {
    const c = new (board.mqtt as Dl7450MqttModule).MqttClient('tcp://iot.example.com', `bench-board-${++n}`);
    await new Promise<void>((resolve) => c.connect((rc) => rc === 0 && resolve(), { keep_alive: 60, will_topic: `bench/board/${n}`, will_qos: 1, will_message: 'gone' }));
  };
  await connect();
  return {
    /** One cut through the power strategy; ms from the cut to the will at its observer. */
    async cut(profile: CutProfile): Promise<number> {
      const t = await runPowerAction('dut', dut, 'cut', { profile });
      const will = t.steps.find((s) => s.step === 'will');
      if (!t.ok || !will) throw new Error(`cut failed: ${t.steps.map((s) => `${s.step} ${s.detail}`).join('; ')}`);
      // This board runs no app: the bench boots it and connects the next client with a will itself.
      await dut.power.on();
      await connect();
      return will.atMs;
    },
    stop: rig.stop,
  };
}

export async function benchCutWill(options: { cuts: number; onProgress?: (t: string) => void }): Promise<CutWillResult[]> {
  const broker = await startMosquitto();
  const rig = await boardRig(broker.port);
  const results: CutWillResult[] = [{ path: 'floor: direct client, socket reset', samples: [] }, { path: 'bridge, rst', samples: [] }, { path: 'bridge, fin', samples: [] }];
  try {
    for (let i = 0; i < options.cuts; i++) {
      if (i % 20 === 0) options.onProgress?.(`cut ${i}/${options.cuts}`);
      results[0].samples.push(await floorCut(broker.port, i));
      results[1].samples.push(await rig.cut('rst'));
      results[2].samples.push(await rig.cut('fin'));
    }
  } finally {
    await rig.stop();
    await broker.stop();
  }
  return results;
}
