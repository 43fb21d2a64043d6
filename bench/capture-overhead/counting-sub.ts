import { spawn, type ChildProcess } from 'node:child_process';
import type { Mosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';

export interface CountingSub {
  /** hrtime (ns) when the n-th message's line reached this process. */
  readonly done: Promise<bigint>;
  stop(): Promise<void>;
}

let subs = 0;

// A bench that dies without stop() must not leave clients behind, retrying a broker that is gone.
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/**
 * `mosquitto_sub -C n` in its own process, so that receiving the flood costs the bridge's
 * process nothing but reading a pipe. Resolves once subscribed, told by the broker's own log
 * (the broker needs `log_type subscribe`): mosquitto_sub's debug output is block-buffered into
 * a pipe and would say so only at exit.
 */
export async function startCountingSub(broker: Mosquitto, topic: string, n: number, timeoutMs: number): Promise<CountingSub> {
  const id = `capsub-${process.pid}-${++subs}`;
  const child = spawn('mosquitto_sub', ['-h', broker.host, '-p', String(broker.port), '-i', id, '-t', topic, '-C', String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let lines = 0;
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<bigint>((resolve, reject) => {
    // Safety net: the flood normally ends in seconds.
    const timer = setTimeout(() => reject(new Error(`mosquitto_sub had ${lines}/${n} messages after ${timeoutMs} ms ${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      const at = process.hrtime.bigint();
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      if (lines >= n) {
        clearTimeout(timer);
        resolve(at);
      }
    });
    void exited.then(() => lines < n && (clearTimeout(timer), reject(new Error(`mosquitto_sub exited with ${lines}/${n} messages ${stderr}`))));
  });
  done.catch(() => undefined); // the caller awaits it; a stop() before then is not an error
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(kill);
  };
  try {
    await broker.waitForLog(new RegExp(`^\\d+: ${id} 0 ${topic.replace(/[/+#]/g, '\\$&')}$`), 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { done, stop };
}
