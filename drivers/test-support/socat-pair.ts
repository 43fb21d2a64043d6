import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SocatPair {
  /** Two linked ptys: what is written to one is read from the other, through socat. */
  a: string;
  b: string;
  /** Kills socat (SIGKILL by default: a crash, so it cannot tidy up) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills socat if still running and removes the temp dir. */
  stop(): Promise<void>;
}

const READY = 'starting data transfer loop';

export async function startSocatPair(): Promise<SocatPair> {
  const dir = await mkdtemp(join(tmpdir(), 'socat-pair-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat not ready within 15 s: ${stderr}`)), 15_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const hint = error.code === 'ENOENT' ? 'socat is not installed: install it with apt-get install -y socat' : error.message;
        reject(new Error(hint, { cause: error }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`socat exited (${code ?? signal}) before it was ready: ${stderr}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    a,
    b,
    kill,
    stop: async () => {
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
