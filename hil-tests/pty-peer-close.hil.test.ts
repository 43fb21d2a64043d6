import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSerialportLink } from '../drivers/serial/serialport-link.js';
import { createVirtualBoard } from '../drivers/boards/virtual-board.js';
import type { Daemon } from '../bridge/daemon/daemon.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';
import { startTestDaemon } from './support/bridge-daemon.js';
import { connected, linesOpen, type LinkMode } from './support/bridge-bench.js';

// A board program on a pty the bridge owns (`--port pty:PATH`: an emulator, `sim --attach`)
// that exits. The bridge holds the pty's slave open itself, so the master never reads EIO:
// without watching the slave's opens and closes it would carry the board's broker connection
// until the broker's keepalive ran out (here 10 minutes, far past the test's safety net).

const KEEPALIVE_S = 600;

describe.each(['raw', 'framed'] as LinkMode[])('a board program closing the bridge\'s pty, %s link', (mode) => {
  let broker: TestBroker;
  let dir: string;
  let daemon: Daemon | undefined;
  let logs: Record<string, unknown>[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await daemon?.stop();
    daemon = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'dl7450-pty-peer-'));
    const linkPath = join(dir, 'board0');
    ({ daemon, logs } = await startTestDaemon(broker, [{ name: 'board0', port: `pty:${linkPath}` }], { link: mode }));
    await linesOpen(daemon, 20_000);
    return linkPath;
  }

  /** A board program opening the line, its client connected through the bridge. */
  async function attach(linkPath: string, clientId: string, will?: string) {
    const line = createSerialportLink({ path: linkPath, baudRate: 115200 });
    await line.open();
    const board = createVirtualBoard({ line, mode, id: clientId });
    const client = board.connect('mqtt://broker.example.com', {
      clientId,
      keepalive: KEEPALIVE_S,
      reconnectPeriod: 0,
      ...(will && { will: { topic: `peer/${mode}/${clientId}`, payload: Buffer.from(will), qos: 1, retain: false } }),
    });
    client.on('error', () => undefined);
    clients.push(client);
    expect((await connected(client)).returnCode).toBe(0);
    return { line, board, client };
  }

  async function observer(): Promise<{ client: MqttClient; messages: string[]; next(): Promise<string> }> {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    client.on('error', () => undefined);
    clients.push(client);
    await connected(client);
    await client.subscribeAsync(`peer/${mode}/#`, { qos: 1 });
    const messages: string[] = [];
    let waiting: ((m: string) => void) | undefined;
    client.on('message', (_topic, payload) => {
      messages.push(payload.toString());
      waiting?.(payload.toString());
    });
    return { client, messages, next: () => new Promise((resolve) => (waiting = resolve)) };
  }

  it('drops the board\'s broker connection at once, so the broker publishes the will, and serves the next program on the same pty', async () => {
    const linkPath = await start();
    const pts = await readlink(linkPath);
    const seen = await observer();
    const first = await attach(linkPath, 'crashes', 'offline');
    const will = seen.next();
    await first.line.close(); // the program dies: its fd is closed, nothing more is said
    expect(await will).toBe('offline');
    expect(logs.some((l) => l.msg === 'the board program closed its line: its broker connections are dropped; the line waits for it')).toBe(true);
    // The pty stays where it was, and a new session serves the program's next start.
    expect(await readlink(linkPath)).toBe(pts);
    const second = await attach(linkPath, 'restarted');
    const marker = seen.next();
    await second.client.publishAsync(`peer/${mode}/restarted`, 'back', { qos: 1 });
    expect(await marker).toBe('back');
  });

  it('passes on what the program said before closing: a DISCONNECT first means no will', async () => {
    const linkPath = await start();
    const seen = await observer();
    const polite = await attach(linkPath, 'polite', 'should-not-appear');
    await polite.client.endAsync(); // DISCONNECT written to the line
    await polite.line.close(); // and the program exits right after
    // The next program's message is the first the observer sees: no will came before it.
    const second = await attach(linkPath, 'after');
    const marker = seen.next();
    await second.client.publishAsync(`peer/${mode}/after`, 'marker', { qos: 1 });
    expect(await marker).toBe('marker');
    expect(seen.messages).toEqual(['marker']);
  });
});
