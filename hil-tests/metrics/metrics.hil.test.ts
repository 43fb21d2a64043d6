import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { connected, startBridgeBench, type BridgeBench } from '../support/bridge-bench.js';
import { createBridgeMetrics, type BridgeMetrics } from '../../bridge/metrics/bridge-metrics.js';
import { startMetricsServer, type MetricsServer } from '../../bridge/metrics/metrics-server.js';
import { silentLogger } from '../../bridge/log.js';
import { filter, firstValueFrom } from 'rxjs';
import mqtt, { type MqttClient } from 'mqtt';
import { startListenBench } from '../support/listen-bench.js';
import { createTcpLink } from '../../drivers/tcp/tcp-link.js';
import { createVirtualBoard, type VirtualBoard } from '../../drivers/boards/virtual-board.js';
import type { DaemonBoard } from '../../bridge/daemon/daemon.js';
import type { SessionEvent } from '../../bridge/session/session-types.js';

// Virtual board -> socat pty -> bridge daemon -> real Mosquitto, scraped over HTTP as
// Prometheus would: the counters must match the traffic the board's client made.

const MESSAGES = 20;
const BOARD = 'board0';

/** The value of the sample `name` whose labels include `labels`, from Prometheus text format. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics of a running bridge, scraped over HTTP', () => {
  let broker: TestBroker;
  let bench: BridgeBench;
  let metrics: BridgeMetrics;
  let server: MetricsServer;

  const scrape = async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Scrapes until `done` holds or the deadline passes; the last scrape either way. */
  const scrapeUntil = async (done: (text: string) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    let text = await scrape();
    while (!done(text) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await scrape();
    }
    return text;
  };

  beforeAll(async () => {
    broker = await startTestBroker();
    bench = await startBridgeBench(broker, 'framed');
    // Straight after the bench, before any await: the board's link-up needs I/O, so it cannot
    // have gone by unwatched.
    metrics = createBridgeMetrics(bench.daemon, { processMetrics: false });
    server = await startMetricsServer('127.0.0.1:0', metrics.registry, silentLogger);
    const client = bench.boardClient(0, { clientId: 'metrics-hil' });
    await connected(client);
    for (let i = 0; i < MESSAGES; i++) await client.publishAsync('metrics/hil', `m${i}`, { qos: 1 });
  });
  afterAll(async () => {
    await server?.close();
    metrics?.stop();
    await bench?.stop();
    await broker?.stop();
  });

  it('counts every packet by type and direction, and shows the link up with one client', async () => {
    const text = await scrapeUntil((t) => sample(t, 'dl7450_packets_total', { board: BOARD, direction: 'to-board', type: 'puback' }) === MESSAGES);
    const packets = (direction: string, type: string) => sample(text, 'dl7450_packets_total', { board: BOARD, direction, type });
    expect(packets('to-broker', 'publish')).toBe(MESSAGES);
    expect(packets('to-board', 'puback')).toBe(MESSAGES);
    expect(packets('to-broker', 'connect')).toBe(1);
    expect(packets('to-board', 'connack')).toBe(1);
    expect(sample(text, 'dl7450_link_up', { board: BOARD })).toBe(1);
    expect(sample(text, 'dl7450_connections', { board: BOARD })).toBe(1);
    expect(sample(text, 'dl7450_crc_errors_total', { board: BOARD })).toBe(0);
    expect(sample(text, 'dl7450_protocol_errors_total', { board: BOARD })).toBe(0);
  });

  // Needs the capture operators (streams/timing) wired into the sessions' captures$.
  it('times host residence and counts bytes from the packet captures', async () => {
    const residence = (t: string) => sample(t, 'dl7450_residence_seconds_count', { board: BOARD, direction: 'to-broker' }) ?? 0;
    const text = await scrapeUntil((t) => residence(t) >= MESSAGES, 5_000);
    expect(residence(text), 'no captures: is captures$ wired to the capture operators?').toBeGreaterThanOrEqual(MESSAGES);
    expect(sample(text, 'dl7450_serial_seconds_count', { board: BOARD, direction: 'to-broker' })).toBeGreaterThanOrEqual(MESSAGES);
    expect(sample(text, 'dl7450_residence_seconds_count', { board: BOARD, direction: 'to-board' })).toBeGreaterThanOrEqual(MESSAGES);
    expect(sample(text, 'dl7450_bytes_total', { board: BOARD, direction: 'to-broker' })).toBeGreaterThan(MESSAGES * 'metrics/hil'.length);
  });
});

/** A listen:// board on its own bridge and broker, its metrics read straight from the registry. */
async function listenBoardMetrics(link: 'raw' | 'framed') {
  const broker = await startTestBroker();
  const bench = await startListenBench(broker, { link });
  const metrics = createBridgeMetrics(bench.daemon, { processMetrics: false });
  const board = bench.daemon.boards.get('tcp') as DaemonBoard;
  return {
    port: bench.port,
    board,
    read: async () => {
      const text = await metrics.registry.metrics();
      return { up: sample(text, 'dl7450_link_up', { board: 'tcp' }), connections: sample(text, 'dl7450_connections', { board: 'tcp' }) };
    },
    /** The board's next event of this type. */
    next: (type: SessionEvent['type']) => firstValueFrom(board.events$.pipe(filter((e) => e.type === type))),
    async stop() {
      metrics.stop();
      await bench.stop();
      await broker.stop();
    },
  };
}

describe('metrics of a raw listen:// board with several links', () => {
  it('counts each link\'s connection, and a link killed without a word ends its count', async () => {
    const { port, read, next, stop } = await listenBoardMetrics('raw');
    try {
      const clients: MqttClient[] = [];
      for (const id of ['link-a', 'link-b']) {
        const connack = next('mqtt-connack');
        const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: id, reconnectPeriod: 0 });
        c.on('error', () => undefined);
        clients.push(c);
        await connack;
      }
      expect(await read()).toEqual({ up: 1, connections: 2 });
      for (const [i, left] of [[0, { up: 1, connections: 1 }], [1, { up: 0, connections: 0 }]] as const) {
        const cut = next('cut');
        clients[i].stream.destroy(); // gone without DISCONNECT, as kill -9 would
        await cut;
        expect(await read()).toEqual(left);
      }
    } finally {
      await stop();
    }
  });
});

describe('a framed listen:// board with two links', () => {
  it('keeps each link\'s clients and link state apart: one link lost leaves the other\'s client and link up', async () => {
    const { port, board, read, next, stop } = await listenBoardMetrics('framed');
    const boards: VirtualBoard[] = [];
    try {
      for (const id of ['framed-a', 'framed-b']) {
        const line = createTcpLink({ host: '127.0.0.1', port });
        await line.open();
        const b = createVirtualBoard({ line, mode: 'framed', id });
        boards.push(b);
        const connack = next('mqtt-connack');
        const c = b.connect('tcp://iot.example.com:1883', { clientId: id, reconnectPeriod: 0 });
        c.on('error', () => undefined);
        await connack;
      }
      expect(board.clients().map((c) => c.clientId).sort()).toEqual(['framed-a', 'framed-b']);
      expect((await read()).up).toBe(1);
      const down = next('link-down');
      boards[0].cut(); // power cut: the bridge finds this link dead by its unanswered PINGs
      await down;
      expect(board.clients().map((c) => c.clientId)).toEqual(['framed-b']);
      expect((await read()).up).toBe(1); // the other link is still up
    } finally {
      for (const b of boards) b.cut();
      await stop();
    }
  });
});
