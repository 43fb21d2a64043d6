import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findExecutable, isExecutable } from './find-executable.js';
import { findFreePort } from './free-port.js';
import { writePasswordFile } from './mosquitto-passwords.js';
import { createLogCapture } from './log-capture.js';
import type { LocalBroker, LocalBrokerOptions } from './local-broker.js';

export interface MosquittoOptions extends LocalBrokerOptions {
  /** The mosquitto binary; default: found on PATH or in /usr/sbin. */
  binary?: string;
  /** Safety net only: startup normally ends on mosquitto's own "running" log line. */
  startTimeoutMs?: number;
  /**
   * More listeners on 127.0.0.1, each on a free port of its own: name -> the lines that follow
   * its `listener` line (cafile, certfile, keyfile, require_certificate...). Ports in `listeners`.
   */
  listeners?: Record<string, string[]>;
}

export interface Mosquitto extends LocalBroker {
  kind: 'mosquitto';
  /** The temporary directory with mosquitto.conf (and passwd, acl); removed by stop(). */
  dir: string;
  /** The port of each listener asked for in options.listeners. */
  listeners: Record<string, number>;
}

const HOST = '127.0.0.1';
const PORT_ATTEMPTS = 5;
const STOP_GRACE_MS = 5_000;

// A process (test run, campaign) that dies without stop() must not leave brokers behind.
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** Error thrown when there is no mosquitto to start. */
export class MosquittoNotFoundError extends Error {
  override name = 'MosquittoNotFoundError';
}

/** The mosquitto binary to use, or undefined when there is none. */
export function findMosquitto(binary?: string): string | undefined {
  if (binary !== undefined) return isExecutable(binary) ? binary : undefined;
  return findExecutable('mosquitto');
}

/**
 * A private mosquitto on 127.0.0.1 and a free port, with its own config in a temp dir: no
 * persistence, log captured. Resolves once mosquitto says it is running.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = findMosquitto(options.binary);
  if (!binary) {
    const where = options.binary === undefined ? 'on PATH or in /usr/sbin' : `at ${options.binary}`;
    throw new MosquittoNotFoundError(`mosquitto not found ${where}: install it with "apt-get install -y mosquitto"`);
  }
  const { startTimeoutMs = 10_000 } = options;
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-mosquitto-'));
  try {
    const settings = await writeSettings(dir, options);
    // The port is free when probed but not reserved: if another process takes it first,
    // mosquitto says so and exits, and a new port is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort(HOST);
      const listeners = await listenerPorts(Object.keys(options.listeners ?? {}), port);
      const listenerLines = Object.entries(options.listeners ?? {}).flatMap(([name, lines]) => [`listener ${listeners[name]} ${HOST}`, ...configLines(lines)]);
      const configPath = join(dir, 'mosquitto.conf');
      await writeFile(configPath, [`listener ${port} ${HOST}`, ...settings, ...listenerLines, ''].join('\n'));
      const started = await launch(binary, configPath, startTimeoutMs);
      if (started.ok) return handle(started.child, started.capture, dir, port, listeners);
      if (!started.addressInUse || attempt === PORT_ATTEMPTS) {
        throw new Error(`mosquitto did not start: ${started.why}\n--- mosquitto log ---\n${started.capture.text()}`);
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function writeSettings(dir: string, options: MosquittoOptions): Promise<string[]> {
  const { users, acl, extraConfig = [] } = options;
  const allowAnonymous = options.allowAnonymous ?? users === undefined;
  const lines = [
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    `allow_anonymous ${allowAnonymous}`,
    // As root, mosquitto would switch to user "mosquitto", who cannot read our 0700 temp dir;
    // naming ourselves keeps it as it is (and is ignored when not root).
    `user ${userInfo().username}`,
  ];
  if (users !== undefined) {
    const passwordFile = join(dir, 'passwd');
    await writePasswordFile(passwordFile, users);
    lines.push(`password_file ${passwordFile}`);
  }
  if (acl !== undefined) {
    const aclFile = join(dir, 'acl');
    await writeFile(aclFile, acl.endsWith('\n') ? acl : `${acl}\n`, { mode: 0o600 });
    lines.push(`acl_file ${aclFile}`);
  }
  lines.push(...configLines(extraConfig));
  return lines;
}

function configLines(lines: string[]): string[] {
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new TypeError(`config entries are single config lines, got ${JSON.stringify(line)}`);
  }
  return lines;
}

/** A distinct free port per name (a port just released may be handed out again). */
async function listenerPorts(names: string[], taken: number): Promise<Record<string, number>> {
  const used = new Set([taken]);
  const ports: Record<string, number> = {};
  for (const name of names) {
    let port = await findFreePort(HOST);
    while (used.has(port)) port = await findFreePort(HOST);
    used.add(port);
    ports[name] = port;
  }
  return ports;
}

type Launch =
  | { ok: true; child: ChildProcess; capture: ReturnType<typeof createLogCapture> }
  | { ok: false; why: string; addressInUse: boolean; capture: ReturnType<typeof createLogCapture> };

function launch(binary: string, configPath: string, startTimeoutMs: number): Promise<Launch> {
  const capture = createLogCapture();
  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stdout?.on('data', (chunk: Buffer) => capture.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => capture.append(chunk));
  return new Promise((resolve) => {
    const settle = (result: Launch): void => {
      clearTimeout(timer);
      capture.lines.removeListener('line', onLine);
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
      resolve(result);
    };
    const failed = (why: string): Launch => ({ ok: false, why, addressInUse: /address already in use/i.test(capture.text()), capture });
    // Logged after every listener is open: from here on connections are accepted.
    const onLine = (line: string): void => {
      if (/mosquitto version \S+ running/.test(line)) settle({ ok: true, child, capture });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      settle(failed(`it exited (${signal ?? `code ${code}`}) before it was running`));
    const onError = (error: Error): void => settle(failed(error.message));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(failed(`it was not running after ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    capture.lines.on('line', onLine);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function handle(child: ChildProcess, capture: ReturnType<typeof createLogCapture>, dir: string, port: number, listeners: Record<string, number>): Mosquitto {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(grace);
      await rm(dir, { recursive: true, force: true });
    })());
  return {
    kind: 'mosquitto',
    url: `mqtt://${HOST}:${port}`,
    host: HOST,
    port,
    dir,
    listeners,
    limitations: [],
    logs: () => capture.text(),
    waitForLog: (pattern, timeoutMs) => capture.waitFor(pattern, timeoutMs),
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    stop: async () => {
      child.kill('SIGCONT'); // a frozen broker cannot handle SIGTERM
      await stop();
    },
  };
}
