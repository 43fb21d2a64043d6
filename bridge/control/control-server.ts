import net from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import type { Logger } from '../log.js';

/** What a handler sends back: progress lines, then exactly one result or error. */
export interface ControlReply {
  progress(value: unknown): void;
  done(value: unknown): void;
  /** `usage`: the request itself was wrong (an unknown board, a bad action): the client's exit 2. */
  fail(message: string, usage?: boolean): void;
  /** Aborted when the client goes away before the answer, or the bridge stops: the handler ends early. */
  signal: AbortSignal;
}

/** One per request type (as Aedes has one per packet type); `request` is the parsed JSON line. */
export type ControlHandler = (request: Record<string, unknown>, reply: ControlReply) => Promise<void>;

/**
 * The daemon's control socket (a Unix socket, owner-only by the umask of its folder): one
 * JSON request line per connection, answered with JSON lines `{"progress": ...}` and a last
 * `{"done": ...}` or `{"error": "..."}`. A bad request is answered, never fatal.
 */
export async function startControlServer(path: string, handlers: Record<string, ControlHandler>, log: Logger): Promise<{ path: string; close(): Promise<void> }> {
  // Requests still running: a stopping bridge cuts them short instead of waiting out a power
  // action's timeouts (up to 90 s) with the connection open.
  const running = new Set<{ abort: AbortController; socket: net.Socket }>();
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    let buffered = '';
    const send = (value: unknown) => socket.writable && socket.write(`${JSON.stringify(value)}\n`);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) {
        if (buffered.length > 64 * 1024) socket.end(`${JSON.stringify({ error: 'request line too long' })}\n`);
        return;
      }
      const line = buffered.slice(0, end);
      socket.removeAllListeners('data');
      let request: Record<string, unknown>;
      try {
        request = JSON.parse(line) as Record<string, unknown>;
        if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new Error('not an object');
      } catch (error) {
        socket.end(`${JSON.stringify({ error: `bad request: ${(error as Error).message}` })}\n`);
        return;
      }
      const op = typeof request.op === 'string' && Object.hasOwn(handlers, request.op) ? handlers[request.op] : undefined;
      if (!op) {
        socket.end(`${JSON.stringify({ error: `unknown op ${JSON.stringify(request.op)}; known: ${Object.keys(handlers).join(', ')}` })}\n`);
        return;
      }
      let finished = false;
      const entry = { abort: new AbortController(), socket };
      running.add(entry);
      // A killed client (Ctrl-C on `power`) must not leave its action running unseen.
      socket.once('close', () => {
        running.delete(entry);
        if (!finished) entry.abort.abort('the control client went away');
      });
      const reply: ControlReply = {
        signal: entry.abort.signal,
        progress: (value) => !finished && send({ progress: value }),
        done: (value) => {
          if (finished) return;
          finished = true;
          send({ done: value });
          socket.end();
        },
        fail: (message, usage) => {
          if (finished) return;
          finished = true;
          send({ error: message, ...(usage && { usage: true }) });
          socket.end();
        },
      };
      op(request, reply).catch((error: unknown) => {
        log.warn({ op: request.op, err: (error as Error).message }, 'control request failed');
        reply.fail((error as Error).message);
      });
    });
  });
  await listen(server, path);
  log.info({ control: path }, 'control socket listening');
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of running) r.abort.abort('the bridge is stopping');
        // The handlers answer and end their connections at once; one that does not is not waited for.
        const stragglers = setTimeout(() => {
          for (const r of running) r.socket.destroy();
        }, 2000);
        server.close(() => {
          clearTimeout(stragglers);
          resolve();
        });
        void unlink(path).catch(() => undefined);
      }),
  };
}

/** Listens on `path`, taking over a socket file left by a bridge that died, never a live one. */
async function listen(server: net.Server, path: string): Promise<void> {
  const attempt = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await attempt();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new Error(`cannot open the control socket ${path}: ${(error as Error).message}`);
    // Only a socket nobody answers on is ours to replace: never a file that happens to be there.
    if (!(await lstat(path).catch(() => undefined))?.isSocket()) throw new Error(`cannot open the control socket ${path}: it exists and is not a socket; give another path or remove it`);
    if (await alive(path)) throw new Error(`another bridge is running with control socket ${path}: stop it, or give this one --control <path>`);
    await unlink(path);
    await attempt();
  }
}

function alive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
