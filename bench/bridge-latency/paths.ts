import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import { createBoardConnections } from '../../drivers/boards/board-connections.js';
import { readFixedHeader } from '../../streams/mqtt/fixed-header.js';
import type { ProbeTransport } from './mqtt-probe.js';
import { createOwnTime } from './own-time.js';

const PINGREQ = 0xc0;
const CLI = fileURLToPath(new URL('../../bridge/cli.ts', import.meta.url));

export interface Path {
  name: string;
  /** Starts whatever sits between the probe and the broker and connects the probe to it. */
  open(brokerPort: number, ttyPath: string): Promise<{ transport: ProbeTransport; stop(): Promise<void> }>;
}

async function waitForPath(path: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000; // safety net: the helper creates the link within ms
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited (${child.exitCode}) before creating ${path}`);
    if (Date.now() > deadline) throw new Error(`${path} did not appear`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** The probe on a serial path: what a board program (or peerbench) writing raw MQTT sees. */
async function overTty(ttyPath: string): Promise<ProbeTransport> {
  const line = createSerialportLink({ path: ttyPath, baudRate: 115200 });
  await line.open();
  return { write: (b) => line.write(b), onData: (l) => void line.data$.subscribe(l), close: () => line.close() };
}

/** The probe as a board's MQTT client on the framed link: one connection, whole packets. */
async function overFramedLink(ttyPath: string, brokerUrl: string): Promise<ProbeTransport> {
  const line = createSerialportLink({ path: ttyPath, baudRate: 115200 });
  await line.open();
  const own = createOwnTime(line);
  const connections = createBoardConnections({ line: own.line, id: 'bench-board', firmware: 'bench', mtu: 4096, window: 16, maxPacketBytes: 1 << 20, emit: () => undefined });
  const listeners: ((b: Buffer) => void)[] = [];
  let opened!: () => void;
  const isOpen = new Promise<void>((r) => (opened = r));
  const conn = connections.open(brokerUrl, { opened: () => opened(), packet: (b) => (own.delivered(), listeners.forEach((l) => l(b))), ended: () => undefined });
  await isOpen;
  return {
    async write(bytes) {
      own.sending();
      for (let pos = 0; pos < bytes.length; ) {
        const h = readFixedHeader(bytes, pos, bytes.length);
        if (typeof h === 'string') throw new Error('probe wrote a bad packet');
        // A PINGREQ overtakes PUBLISHes still queued on the link (protocol 3.2), as on a board.
        // The QoS 0 burst is timed until its PINGRESP, which must therefore come after the
        // broker has every PUBLISH, as in a byte stream: wait until the link delivered them.
        if (bytes[pos] === PINGREQ && !(await connections.drained(60_000))) throw new Error('the link did not drain the QoS 0 burst in 60 s');
        conn.send(bytes.subarray(pos, pos + h.packetBytes));
        pos += h.packetBytes;
      }
      await new Promise<void>((r) => connections.whenFlowing(r));
    },
    onData: (l) => void listeners.push(l),
    ownTimeUs: () => own.takeUs(),
    async close() {
      conn.close();
      connections.stop();
      await line.close();
    },
  };
}

export const paths: Path[] = [
  {
    name: 'direct TCP',
    async open(port) {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      await new Promise((r) => socket.once('connect', r));
      const transport: ProbeTransport = {
        write: (b) => new Promise((resolve, reject) => socket.write(b, (e) => (e ? reject(e) : resolve()))),
        onData: (l) => void socket.on('data', l),
        close: async () => void socket.destroy(),
      };
      return { transport, stop: async () => void socket.destroy() };
    },
  },
  {
    name: 'socat pty<->TCP',
    async open(port, tty) {
      const child = spawn('socat', ['-d', `PTY,link=${tty},raw,echo=0`, `TCP:127.0.0.1:${port},nodelay`], { stdio: 'ignore' });
      await waitForPath(tty, child);
      const transport = await overTty(tty);
      return { transport, stop: async () => (await transport.close(), await stopChild(child)) };
    },
  },
  ...(['raw', 'framed'] as const).map(
    (mode): Path => ({
      name: `bridge ${mode}`,
      async open(port, tty) {
        const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--port', `pty:${tty}`, '--link', mode, '--broker', `tcp://127.0.0.1:${port}`, '--log-level', 'error'], { stdio: 'ignore' });
        await waitForPath(tty, child);
        const transport = mode === 'raw' ? await overTty(tty) : await overFramedLink(tty, `tcp://127.0.0.1:${port}`);
        return { transport, stop: async () => (await transport.close(), await stopChild(child)) };
      },
    }),
  ),
];
