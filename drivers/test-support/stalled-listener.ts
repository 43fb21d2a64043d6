import { spawn } from 'node:child_process';
import net from 'node:net';

export interface StalledListener {
  port: number;
  stop(): Promise<void>;
}

// A child whose event loop is parked right after listen() never accepts, so once its backlog
// is full the kernel drops further SYNs and a connect hangs: a connect timeout on 127.0.0.1
// without firewall rules.
const CHILD = `
const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});`;

export async function startStalledListener(): Promise<StalledListener> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`stalled listener exited early (${code})`)));
  });
  // Fill the accept queue: backlog 1 admits two completed handshakes, then drops SYNs.
  const fillers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  return {
    port,
    stop: async () => {
      fillers.forEach((socket) => socket.destroy());
      child.kill('SIGKILL');
      await exited;
    },
  };
}
