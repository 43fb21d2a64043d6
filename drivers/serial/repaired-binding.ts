import type { EventEmitter } from 'node:events';
import { read, write } from 'node:fs';
import { SerialPort } from 'serialport';

/**
 * serialport's own binding, with its Unix read/write replaced, because of three faults in
 * @serialport/bindings-cpp 13 that a bridge cannot live with:
 * - a read returning 0 (the tty hung up: USB unplugged, pty master gone) is retried forever,
 *   spinning a CPU and never reporting the disconnect (serialport/bindings-cpp#162);
 * - Poller.poll() restarts uv_poll with only the newest event, so a write waiting for
 *   'writable' silently cancels a read waiting for 'readable': with traffic both ways the two
 *   ends stop reading each other and deadlock;
 * - poller events reach JS without MakeCallback, so on some Node versions a promise awaiting
 *   one does not resume until something else wakes the event loop (serialport/bindings-cpp#239).
 *   Here the next fs call is made straight from the event handler instead.
 */
export type Binding = typeof SerialPort.binding;
type PortBinding = Awaited<ReturnType<Binding['open']>>;

interface Poller extends EventEmitter {
  poll(flag?: number): void;
}

interface UnixPortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  readonly poller: Poller;
}

const READABLE = 0b01;
const WRITABLE = 0b10;
const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

export function repairedBinding(base: Binding = SerialPort.binding): Binding {
  return {
    list: () => base.list(),
    open: async (options: Parameters<Binding['open']>[0]) => {
      const port = await (base.open as (o: typeof options) => Promise<PortBinding>)(options);
      if ('poller' in port && 'fd' in port) repair(port as PortBinding & UnixPortBinding);
      return port;
    },
  } as Binding;
}

function repair(port: PortBinding & UnixPortBinding): void {
  const { poller } = port;
  const pollOnly = poller.poll.bind(poller);
  poller.poll = (flag = 0) => {
    const waiting = (poller.listenerCount('readable') ? READABLE : 0) | (poller.listenerCount('writable') ? WRITABLE : 0);
    pollOnly(flag | waiting);
  };
  port.read = (buffer, offset, length) => readSome(port, buffer, offset, length);
  port.write = (buffer) => writeAll(port, buffer);
}

function readSome(port: UnixPortBinding, buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (port.fd === null) return reject(canceled());
      read(port.fd, buffer, offset, length, null, (error, bytesRead) => {
        if (error && RETRY.has(error.code ?? '')) return waitFor(port, 'readable', attempt, reject);
        if (error) return reject(error);
        // In raw mode (VMIN=1) a tty only reads 0 bytes once it has hung up.
        if (bytesRead === 0) return reject(new Error('end of file: the device hung up'));
        resolve({ buffer, bytesRead });
      });
    };
    attempt();
  });
}

function writeAll(port: UnixPortBinding, buffer: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let offset = 0;
    const attempt = (): void => {
      if (port.fd === null) return reject(new Error('Port is not open'));
      if (offset >= buffer.length) return resolve();
      write(port.fd, buffer, offset, buffer.length - offset, null, (error, written) => {
        if (error && RETRY.has(error.code ?? '')) return waitFor(port, 'writable', attempt, reject);
        if (error) return reject(error);
        offset += written;
        attempt();
      });
    };
    attempt();
  });
}

function waitFor(port: UnixPortBinding, event: 'readable' | 'writable', retry: () => void, reject: (e: Error) => void): void {
  if (port.fd === null) return reject(canceled());
  port.poller.once(event, (error: (Error & { canceled?: boolean }) | null) => {
    if (!error) retry();
    // libuv reports any POLLERR as EBADF; on a tty that means it hung up.
    else reject(error.canceled ? error : new Error(`the device hung up (poll: ${error.message})`, { cause: error }));
  });
}

/** What serialport's stream treats as "closed by us", not as a disconnect. */
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}
