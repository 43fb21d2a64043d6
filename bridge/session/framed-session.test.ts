import { afterEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, type Observable } from 'rxjs';
import mqtt, { type MqttClient } from 'mqtt';
import { createMemoryLinkPair } from '../../drivers/memory/memory-link.js';
import { createVirtualBoard, type VirtualBoard } from '../../drivers/boards/virtual-board.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded-broker.js';
import { parseBrokerUrl } from '../broker/broker-url.js';
import { createBrokerConnector } from '../daemon/broker-connector.js';
import { createLogger, silentLogger } from '../log.js';
import { runFramedSession } from './framed-session.js';
import type { RunningSession, SessionEvent } from './session-types.js';
import { Reason } from '../../streams/link/protocol.js';

// The framed session end to end, in process: virtual board -> memory line -> session -> Aedes.
// The same scenarios against real Mosquitto over ptys live in hil-tests/.

let broker: EmbeddedBroker;
let session: RunningSession;
let board: VirtualBoard;
const clients: MqttClient[] = [];

/** Every log line of the session under test, parsed (setUp logs into it at info). */
let logs: Record<string, unknown>[] = [];

async function setUp(settings: Partial<{ maxPacketBytes: number; queueBytes: number }> = {}, override = true) {
  logs = [];
  broker = await startEmbeddedBroker();
  const [host, boardEnd] = createMemoryLinkPair('framed-session');
  await host.open();
  await boardEnd.open();
  session = runFramedSession({
    name: 'bench-a',
    line: host,
    settings: { maxPacketBytes: 1 << 20, stallTimeoutMs: 5000, ...settings },
    connectBroker: createBrokerConnector({ override: override ? parseBrokerUrl(broker.url.replace('mqtt:', 'tcp:')) : undefined, connectTimeoutMs: 2000 }),
    logger: createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
  });
  board = createVirtualBoard({ line: boardEnd, mode: 'framed', link: { pingIntervalMs: 200, maxRetries: 2 } });
  return { host, boardEnd };
}

const client = (c: MqttClient) => {
  clients.push(c);
  c.on('error', () => undefined);
  return c;
};
const connected = (c: MqttClient) => new Promise<void>((resolve, reject) => {
  c.once('connect', () => resolve());
  c.once('error', reject);
});
const event = <T extends SessionEvent['type']>(events$: Observable<SessionEvent>, type: T) =>
  firstValueFrom(events$.pipe(filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type)));

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  board?.cut();
  await session?.stop();
  await broker?.close();
});

describe('framed session, in process', () => {
  it('carries QoS 0/1/2 both ways between a board client and a broker client', async () => {
    await setUp();
    const observer = client(mqtt.connect(broker.url));
    await connected(observer);
    await observer.subscribeAsync('up/#', { qos: 2 });
    const dev = client(board.connect('ssl://production.example:8883', { clientId: 'dev-1', reconnectPeriod: 0 }));
    await connected(dev);
    await dev.subscribeAsync('down/#', { qos: 2 });
    const down: string[] = [];
    dev.on('message', (t, p) => down.push(`${t}=${p}`));
    const up: string[] = [];
    observer.on('message', (t, p) => up.push(`${t}=${p}`));
    for (const qos of [0, 1, 2] as const) {
      await dev.publishAsync(`up/${qos}`, `from board ${qos}`, { qos });
      await observer.publishAsync(`down/${qos}`, `from broker ${qos}`, { qos });
    }
    await new Promise<void>((resolve) => {
      const check = () => (up.length === 3 && down.length === 3 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(up.sort()).toEqual(['up/0=from board 0', 'up/1=from board 1', 'up/2=from board 2']);
    expect(down.sort()).toEqual(['down/0=from broker 0', 'down/1=from broker 1', 'down/2=from broker 2']);
  });

  it('drops the broker connection without DISCONNECT when the link is lost, so the will is published', async () => {
    await setUp();
    const observer = client(mqtt.connect(broker.url));
    await connected(observer);
    await observer.subscribeAsync('status/#', { qos: 1 });
    const will = new Promise<string>((resolve) => observer.on('message', (t, p) => resolve(`${t}=${p}`)));
    const dev = client(board.connect('tcp://x', { clientId: 'dev-2', reconnectPeriod: 0, will: { topic: 'status/dev-2', payload: Buffer.from('offline'), qos: 1, retain: false } }));
    await connected(dev);
    const down = event(session.events$, 'link-down');
    board.cut(); // the board dies: nothing more on the line
    expect((await down).cause).toBe('broken');
    expect(await will).toBe('status/dev-2=offline');
  });

  it('after the board\'s DISCONNECT, logs the broker closing the connection as the board\'s doing', async () => {
    await setUp();
    const dev = client(board.connect('tcp://x', { clientId: 'dev-d', reconnectPeriod: 0 }));
    await connected(dev);
    const ended = event(session.events$, 'closed');
    dev.stream.write(Buffer.from([0xe0, 0x00])); // DISCONNECT, the connection itself left open (as the DL-7450 SDK's disconnect())
    await ended;
    const lines = logs.map((l) => l.msg);
    expect(lines).toContain('connection closed by the board (DISCONNECT)');
    expect(lines).not.toContain('broker closed the connection');
  });

  it('tells the board bridge_shutdown on each connection when the bridge stops, rather than leaving it to find a broken link', async () => {
    await setUp();
    const dev = client(board.connect('tcp://x', { clientId: 'dev-s', reconnectPeriod: 0 }));
    await connected(dev);
    const closed = firstValueFrom(board.events$.pipe(filter((e) => e.type === 'connection-closed')));
    const gone = new Promise<void>((resolve) => dev.once('close', () => resolve()));
    await session.stop();
    expect(await closed).toMatchObject({ by: 'host', reason: Reason.BRIDGE_SHUTDOWN });
    await gone;
  });

  it('answers OPEN_FAILED with a reason when the broker is unreachable', async () => {
    broker = await startEmbeddedBroker();
    const [host, boardEnd] = createMemoryLinkPair('unreachable');
    await host.open();
    await boardEnd.open();
    session = runFramedSession({
      name: 'bench-b',
      line: host,
      settings: { maxPacketBytes: 1 << 20, stallTimeoutMs: 5000 },
      connectBroker: createBrokerConnector({ override: parseBrokerUrl('tcp://127.0.0.1:1'), connectTimeoutMs: 2000 }),
      logger: silentLogger,
    });
    board = createVirtualBoard({ line: boardEnd, mode: 'framed' });
    const failed = event(session.events$, 'open-failed');
    const dev = client(board.connect('tcp://whatever', { reconnectPeriod: 0 }));
    const error = new Promise<Error & { reason?: number }>((resolve) => dev.once('error', resolve));
    expect((await failed).reason).toBe(Reason.BROKER_UNREACHABLE);
    expect((await error).reason).toBe(Reason.BROKER_UNREACHABLE);
  });

  it('refuses an oversized packet from the board: that connection ends, its will fires, the session carries on', async () => {
    await setUp({ maxPacketBytes: 1024 });
    const observer = client(mqtt.connect(broker.url));
    await connected(observer);
    await observer.subscribeAsync('status/#', { qos: 1 });
    const will = new Promise<string>((resolve) => observer.on('message', (t, p) => resolve(`${t}=${p}`)));
    const dev = client(board.connect('tcp://x', { clientId: 'dev-3', reconnectPeriod: 0, will: { topic: 'status/dev-3', payload: Buffer.from('gone'), qos: 1, retain: false } }));
    await connected(dev);
    const closed = event(session.events$, 'closed');
    dev.publish('big', Buffer.alloc(4096));
    expect((await closed).reason).toBe(Reason.PACKET_TOO_LARGE);
    expect(await will).toBe('status/dev-3=gone');
    // Another client on the same board still works.
    const other = client(board.connect('tcp://x', { clientId: 'dev-4', reconnectPeriod: 0 }));
    await connected(other);
  });
});
