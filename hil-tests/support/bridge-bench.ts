import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { filter, firstValueFrom } from 'rxjs';
import { startSocatPair, type SocatPair } from '../../drivers/test-support/socat-pair.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import { createVirtualBoard, type VirtualBoard } from '../../drivers/boards/virtual-board.js';
import type { Daemon } from '../../bridge/daemon/daemon.js';
import { startTestDaemon } from './bridge-daemon.js';
import type { TestBroker } from './test-broker-types.js';

export type LinkMode = 'framed' | 'raw';

// A safety net only: the bridge opens a pty in milliseconds.
const LINE_OPEN_TIMEOUT_MS = 20_000;

export interface BenchBoard {
  name: string;
  socat: SocatPair;
  line: SerialLink;
  board: VirtualBoard;
}

export interface BridgeBench {
  daemon: Daemon;
  boards: BenchBoard[];
  /** Every log line the bridge wrote, parsed. */
  logs: Record<string, unknown>[];
  /** An MQTT client of a board's program, through the bridge; errors are collected, not thrown. */
  boardClient(index: number, options?: IClientOptions): MqttClient;
  /** A client straight at the broker: the backend's view. */
  observer(options?: IClientOptions): Promise<MqttClient>;
  stop(): Promise<void>;
}

export function connected(client: MqttClient): Promise<mqtt.IConnackPacket> {
  return new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
}

/** Resolves once the bridge reads every board's line; rejects, naming the boards, after `timeoutMs`. */
export async function linesOpen(daemon: Daemon, timeoutMs: number): Promise<void> {
  const closed = new Set(daemon.boards.keys());
  const open = Promise.all([...daemon.boards].map(([name, b]) => firstValueFrom(b.lineOpen$.pipe(filter(Boolean))).then(() => closed.delete(name))));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the bridge did not open the line of ${[...closed].join(', ')} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([open, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The whole chain a bench runs: virtual boards, each on one end of a socat pty pair, the
 * bridge daemon on the other end (framed or raw), a real broker behind it.
 */
export async function startBridgeBench(broker: TestBroker, mode: LinkMode, count = 1, settings: Record<string, unknown> = {}): Promise<BridgeBench> {
  let logs: Record<string, unknown>[] = [];
  const pairs: SocatPair[] = [];
  const clients: MqttClient[] = [];
  const boards: BenchBoard[] = [];
  let daemon: Daemon | undefined;
  const stop = async () => {
    for (const c of clients) c.end(true);
    for (const b of boards) b.board.cut();
    await daemon?.stop();
    for (const b of boards) await b.line.close();
    for (const p of pairs) await p.stop();
  };
  try {
    for (let i = 0; i < count; i++) pairs.push(await startSocatPair());
    const started = await startTestDaemon(
      broker,
      pairs.map((p, i) => ({ name: `board${i}`, port: p.a })),
      { link: mode, ...settings },
    );
    daemon = started.daemon;
    logs = started.logs;
    // Opening a tty flushes it: a CONNECT the board wrote before the bridge had its end open
    // would be lost, and a raw line never retransmits it.
    await linesOpen(daemon, LINE_OPEN_TIMEOUT_MS);
    for (const [i, p] of pairs.entries()) {
      const line = createSerialportLink({ path: p.b, baudRate: 115200 });
      await line.open();
      const board = createVirtualBoard({ line, mode, id: `board${i}` });
      boards.push({ name: `board${i}`, socat: p, line, board });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    daemon,
    boards,
    logs,
    boardClient(index, options = {}) {
      const c = boards[index].board.connect('ssl://production.example.com:8883', { reconnectPeriod: 0, connectTimeout: 20_000, ...options });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async observer(options = {}) {
      const c = mqtt.connect(broker.url, { reconnectPeriod: 0, ...options });
      c.on('error', () => undefined);
      clients.push(c);
      await connected(c);
      return c;
    },
    stop,
  };
}
