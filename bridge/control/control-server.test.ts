import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../log.js';
import { controlRequest } from './control-client.js';
import { startControlServer } from './control-server.js';

const logger = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));
let dir: string | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Reasons the `wait` handler's requests were cut short, as they come. */
let aborted: ((reason: unknown) => void) | undefined;

async function server() {
  dir = await mkdtemp(join(tmpdir(), 'control-'));
  const path = join(dir, 'bridge.sock');
  const s = await startControlServer(
    path,
    {
      async echo(request, reply) {
        reply.progress('working');
        reply.done(request.value);
      },
      async broken() {
        throw new Error('the handler failed');
      },
      async picky(request, reply) {
        reply.fail(`no board named ${JSON.stringify(request.board)}`, true);
      },
      // Runs until cut short, as a power action waiting for a board does.
      async wait(_request, reply) {
        reply.progress('waiting');
        await new Promise((resolve) => reply.signal.addEventListener('abort', resolve));
        aborted?.(reply.signal.reason);
        reply.fail(`stopped: ${String(reply.signal.reason)}`);
      },
    },
    logger,
  );
  closers.push(() => s.close());
  return { path, close: () => s.close() };
}

/** Sends raw text, returns every line the server answered. */
function raw(path: string, text: string): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    let got = '';
    socket.setEncoding('utf8').on('data', (d: string) => (got += d));
    socket.once('connect', () => socket.write(text));
    socket.once('close', () => resolve(got.split('\n').filter(Boolean)));
  });
}

describe('control socket', () => {
  it('answers a request with its progress, then its result', async () => {
    const { path } = await server();
    const progress: unknown[] = [];
    expect(await controlRequest(path, { op: 'echo', value: { a: 1 } }, (p) => progress.push(p))).toEqual({ a: 1 });
    expect(progress).toEqual(['working']);
  });

  it('answers bad JSON, an unknown op and a failing handler with an error, and keeps serving', async () => {
    const { path } = await server();
    expect(await raw(path, 'not json\n')).toEqual([expect.stringMatching(/^\{"error":"bad request: /)]);
    expect(await raw(path, '[1,2]\n')).toEqual(['{"error":"bad request: not an object"}']);
    await expect(controlRequest(path, { op: 'reboot' })).rejects.toThrow('unknown op "reboot"; known: echo, broken, picky');
    await expect(controlRequest(path, { op: 'broken' })).rejects.toThrow('the handler failed');
    // A wrong request (not a failure of the bridge) is marked so, for the client's exit 2.
    await expect(controlRequest(path, { op: 'picky', board: 'x' })).rejects.toMatchObject({ message: 'no board named "x"', usage: true });
    await expect(controlRequest(path, { op: 'broken' })).rejects.not.toHaveProperty('usage');
    expect(await controlRequest(path, { op: 'echo', value: 2 })).toBe(2);
  });

  it('cuts a running request short when its client goes away', async () => {
    const { path } = await server();
    const reason = new Promise((resolve) => (aborted = resolve));
    const socket = net.connect(path);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('{"op":"wait"}\n'));
    await new Promise((resolve) => socket.once('data', resolve)); // the progress line: it runs
    socket.destroy();
    expect(await reason).toBe('the control client went away');
  });

  it('stopping the bridge cuts running requests short and tells their clients', async () => {
    const { path, close } = await server();
    const reason = new Promise((resolve) => (aborted = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const answer = expect(controlRequest(path, { op: 'wait' }, () => started())).rejects.toThrow('stopped: the bridge is stopping');
    await running;
    await close();
    expect(await reason).toBe('the bridge is stopping');
    await answer;
  });

  it('takes over a socket file left by a dead bridge, but never a live one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'control-'));
    const path = join(dir, 'stale.sock');
    // What a killed bridge leaves: a socket file nobody listens on (bound, never unlinked).
    await promisify(execFile)('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
    expect((await lstat(path)).isSocket()).toBe(true);
    const s = await startControlServer(path, {}, logger);
    closers.push(() => s.close());
    await expect(startControlServer(path, {}, logger)).rejects.toThrow(/another bridge is running with control socket .*stale\.sock/);
  });

  it('never replaces a file that is not a socket', async () => {
    dir = await mkdtemp(join(tmpdir(), 'control-'));
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'keep me');
    await expect(startControlServer(path, {}, logger)).rejects.toThrow(/control socket .*notes\.txt: it exists and is not a socket/);
    expect(await readFile(path, 'utf8')).toBe('keep me');
  });

  it('says no bridge is running when nothing listens', async () => {
    await expect(controlRequest('/nonexistent/dl7450.sock', { op: 'echo' })).rejects.toThrow(/no bridge is running with control socket \/nonexistent\/dl7450\.sock/);
  });
});
