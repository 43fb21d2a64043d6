import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, read, readSync, write, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativePty } from './pty/native-pty.js';
import { createPtyLink } from './pty/pty-link.js';
import { createSerialportLink } from './serial/serialport-link.js';
import type { SerialLink } from './serial-link.js';
import { startSocatPair } from './test-support/socat-pair.js';

// Round-trip latency over ttys: one end writes SIZE bytes, the other echoes them, the first
// waits for all of them to come back; repeat. Not a test: run it by hand and compare rows.
//   npx tsx drivers/tty-latency.bench.ts [--trips 2000] [--size 64] [--only a]

interface End {
  write(bytes: Buffer): void;
  onData(handler: (chunk: Buffer) => void): void;
}

type Setup =
  /** Both ends in this process, on the event loop. */
  | { kind: 'loop'; pinger: End; echo: End; teardown(): Promise<void> }
  /** The kernel's floor: a blocking pinger here, a blocking echo in a child; no event loop. */
  | { kind: 'blocking'; fd: number; teardown(): Promise<void> };

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const TRIPS = Number(option('trips') ?? 2000);
const SIZE = Number(option('size') ?? 64);
const ONLY = option('only');
const WARMUP = 200;
const openTty = (path: string): number => openSync(path, constants.O_RDWR | constants.O_NOCTTY);

function linkEnd(link: SerialLink): End {
  return {
    // Not awaited: a round trip ends when the echo is back, whenever the promise settles.
    write: (bytes) => void link.write(bytes).catch(() => undefined),
    onData: (handler) => void link.data$.subscribe(handler),
  };
}

/** fs.read/fs.write on a blocking fd: every call is a round trip through libuv's threadpool. */
function fsEnd(fd: number): End & { stop(): void } {
  let handler: (chunk: Buffer) => void = () => undefined;
  let running = true;
  const pump = (): void => {
    const buffer = Buffer.allocUnsafe(4096);
    read(fd, buffer, 0, buffer.length, null, (error, n) => {
      if (error || n === 0 || !running) return;
      handler(buffer.subarray(0, n));
      pump();
    });
  };
  pump();
  return { write: (bytes) => write(fd, bytes, () => undefined), onData: (h) => (handler = h), stop: () => (running = false) };
}

const ECHO_CHILD = `
const fs = require('fs');
const fd = fs.openSync(process.argv[1], fs.constants.O_RDWR | fs.constants.O_NOCTTY);
const b = Buffer.alloc(4096);
process.stdout.write('ready\\n');
try { for (;;) { const n = fs.readSync(fd, b); if (n <= 0) break; fs.writeSync(fd, b, 0, n); } } catch {}`;

async function startBlockingEcho(path: string): Promise<{ exited: Promise<void> }> {
  const child = spawn(process.execPath, ['-e', ECHO_CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { exited };
}

const setups: Record<string, () => Promise<Setup>> = {
  'a. serialport link <-> serialport link (socat pty pair)': async () => {
    const pair = await startSocatPair();
    const [a, b] = [createSerialportLink({ path: pair.a }), createSerialportLink({ path: pair.b })];
    await Promise.all([a.open(), b.open()]);
    return {
      kind: 'loop',
      pinger: linkEnd(a),
      echo: linkEnd(b),
      teardown: async () => {
        await Promise.all([a.close(), b.close()]);
        await pair.stop();
      },
    };
  },
  'b. pty link <-> serialport link on its slave (no socat)': async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tty-latency-'));
    const host = createPtyLink({ linkPath: join(dir, 'board0') });
    await host.open();
    const board = createSerialportLink({ path: join(dir, 'board0') });
    await board.open();
    return {
      kind: 'loop',
      pinger: linkEnd(host),
      echo: linkEnd(board),
      teardown: async () => {
        await board.close();
        await host.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  'c. plain fs.read/fs.write <-> same (socat pty pair)': async () => {
    const pair = await startSocatPair();
    const fds = [openTty(pair.a), openTty(pair.b)];
    const [a, b] = fds.map(fsEnd);
    return {
      kind: 'loop',
      pinger: a,
      echo: b,
      teardown: async () => {
        a.stop();
        b.stop();
        // The threadpool reads blocked on these fds only return once socat has hung up.
        await pair.stop();
        fds.forEach((fd) => closeSync(fd));
      },
    };
  },
  'd. floor: blocking readSync/writeSync, echo in a child (socat pty pair)': async () => {
    const pair = await startSocatPair();
    const echo = await startBlockingEcho(pair.b);
    const fd = openTty(pair.a);
    return {
      kind: 'blocking',
      fd,
      teardown: async () => {
        closeSync(fd);
        await pair.stop();
        await echo.exited;
      },
    };
  },
  'e. floor: blocking readSync/writeSync, echo in a child (one pty, no socat)': async () => {
    const pty = nativePty().open();
    const echo = await startBlockingEcho(pty.path);
    return {
      kind: 'blocking',
      fd: pty.master,
      teardown: async () => {
        // Closing the master hangs the child's line up, which ends its loop.
        closeSync(pty.master);
        closeSync(pty.slave);
        await echo.exited;
      },
    };
  },
};

async function measureLoop(pinger: End, echo: End, payload: Buffer): Promise<number[]> {
  echo.onData((chunk) => echo.write(Buffer.from(chunk)));
  let waiting: { need: number; done: () => void } | undefined;
  pinger.onData((chunk) => {
    if (!waiting) return;
    waiting.need -= chunk.length;
    if (waiting.need <= 0) waiting.done();
  });
  const samples: number[] = [];
  for (let trip = 0; trip < TRIPS + WARMUP; trip++) {
    const start = process.hrtime.bigint();
    await new Promise<void>((done) => {
      waiting = { need: payload.length, done };
      pinger.write(payload);
    });
    if (trip >= WARMUP) samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

function measureBlocking(fd: number, payload: Buffer): number[] {
  const back = Buffer.alloc(4096);
  const samples: number[] = [];
  for (let trip = 0; trip < TRIPS + WARMUP; trip++) {
    const start = process.hrtime.bigint();
    for (let sent = 0; sent < payload.length; ) sent += writeSync(fd, payload, sent, payload.length - sent);
    for (let got = 0; got < payload.length; ) got += readSync(fd, back, 0, back.length, null);
    if (trip >= WARMUP) samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const payload = Buffer.alloc(SIZE, 0x5a);
const columns = ['p50', 'p90', 'p99', 'max', 'mean'];
process.stdout.write(`${TRIPS} round trips of ${SIZE} bytes after ${WARMUP} warm-up, microseconds, Node ${process.version}\n`);
process.stdout.write(`${'setup'.padEnd(76)}${columns.map((c) => c.padStart(8)).join('')}\n`);
for (const [name, make] of Object.entries(setups)) {
  if (ONLY && !name.startsWith(`${ONLY}.`)) continue;
  const setup = await make();
  try {
    const samples = setup.kind === 'loop' ? await measureLoop(setup.pinger, setup.echo, payload) : measureBlocking(setup.fd, payload);
    samples.sort((x, y) => x - y);
    const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
    const cells = [percentile(samples, 50), percentile(samples, 90), percentile(samples, 99), samples[samples.length - 1], mean];
    process.stdout.write(`${name.padEnd(76)}${cells.map((c) => c.toFixed(0).padStart(8)).join('')}\n`);
  } finally {
    await setup.teardown();
  }
}
