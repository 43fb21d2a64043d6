import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { startSocatPair, type SocatPair } from '../drivers/test-support/socat-pair.js';
import { createSerialportLink } from '../drivers/serial/serialport-link.js';
import { createVirtualBoard } from '../drivers/boards/virtual-board.js';
import type { SerialLink } from '../drivers/serial-link.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';
import { startTestDaemon, type TestDaemon } from './support/bridge-daemon.js';
import { connected } from './support/bridge-bench.js';

// Opening a tty discards what it held, and a raw line never retransmits: a board that talks
// before the bridge has its end open loses its CONNECT. lineOpen$ says when it may talk.

const lineOpen$ = (daemon: TestDaemon, board: string) => {
  const found = daemon.daemon.boards.get(board);
  if (!found) throw new Error(`no board ${board}`);
  return found.lineOpen$;
};
const until = (daemon: TestDaemon, board: string, open: boolean) => firstValueFrom(lineOpen$(daemon, board).pipe(filter((o) => o === open)));

describe('a board line is open (lineOpen$)', () => {
  let broker: TestBroker;
  let daemon: TestDaemon | undefined;
  let pair: SocatPair | undefined;
  let line: SerialLink | undefined;
  let dir: string | undefined;
  let socket: Socket | undefined;

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    socket?.destroy();
    await daemon?.daemon.stop();
    await line?.close();
    await pair?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    daemon = line = pair = dir = socket = undefined;
  });

  it('on a tty: false until the bridge opens it, true while it reads it, false once the device goes', async () => {
    pair = await startSocatPair();
    dir = await mkdtemp(join(tmpdir(), 'dl7450-line-open-'));
    const byId = join(dir, 'usb-DisplayLink_DL-7450_0002-if00'); // not plugged in yet
    daemon = await startTestDaemon(broker, [{ name: 'dut', port: byId, link: 'raw' }]);
    const states: boolean[] = [];
    lineOpen$(daemon, 'dut').subscribe((o) => states.push(o));
    expect(states).toEqual([false]);

    await symlink(pair.a, byId); // plugged in: the bridge's next attempt opens it
    await until(daemon, 'dut', true);
    line = createSerialportLink({ path: pair.b, baudRate: 115200 });
    await line.open();
    const board = createVirtualBoard({ line, mode: 'raw', id: 'dut' });
    const client = board.connect('tcp://production.example.com', { reconnectPeriod: 0, clientId: 'line-open' });
    client.on('error', () => undefined);
    expect((await connected(client)).returnCode).toBe(0);
    await client.endAsync();

    await unlink(byId); // unplugged
    await until(daemon, 'dut', false);
    expect(states).toEqual([false, true, false]);
    board.cut();
  });

  it('on a listen:// board: true while a board is connected', async () => {
    daemon = await startTestDaemon(broker, [{ name: 'tcp', port: 'listen://127.0.0.1:0', link: 'raw' }]);
    const states: boolean[] = [];
    lineOpen$(daemon, 'tcp').subscribe((o) => states.push(o));
    const { host, port } = daemon.daemon.listening.tcp;
    socket = tcpConnect(port, host);
    await until(daemon, 'tcp', true);
    socket.destroy();
    await until(daemon, 'tcp', false);
    expect(states).toEqual([false, true, false]);
  });
});
