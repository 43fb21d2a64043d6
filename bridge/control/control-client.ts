import net from 'node:net';

/**
 * Sends one request to a running bridge's control socket; `onProgress` gets each progress
 * value as it comes; resolves with the result. Rejects with a message a user can act on, and
 * `usage: true` on the error when the request itself was wrong (an unknown board).
 */
export function controlRequest(path: string, request: Record<string, unknown>, onProgress: (value: unknown) => void = () => undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    socket.setEncoding('utf8');
    let buffered = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? `no bridge is running with control socket ${path} (start dl7450-bridge run first, or give its --control path)` : `control socket ${path}: ${error.message}`;
      settle(() => reject(new Error(why)));
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const message = JSON.parse(line) as { progress?: unknown; done?: unknown; error?: string; usage?: boolean };
        if ('progress' in message) onProgress(message.progress);
        else if ('done' in message) settle(() => resolve(message.done));
        else if ('error' in message) settle(() => reject(Object.assign(new Error(message.error), message.usage ? { usage: true } : {})));
      }
    });
    socket.once('close', () => settle(() => reject(new Error(`the bridge closed the control connection without an answer`))));
  });
}
