import net from 'node:net';
import type { SerialLink } from '../serial-link.js';
import { SocketLink } from './socket-link.js';
import { describeTcpError } from './tcp-errors.js';

export interface TcpLinkOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
}

class TcpLink extends SocketLink {
  readonly description: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connectTimeoutMs: number,
  ) {
    super();
    this.description = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  protected doOpen(): Promise<void> {
    const where = `${this.host}:${this.port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new Error(`cannot connect to ${where}: timed out after ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
      socket.once('error', (error) => fail(new Error(`cannot connect to ${where}: ${describeTcpError(error)}`, { cause: error })));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.attachSocket(socket);
        resolve();
      });
    });
  }
}

/** A remote serial server in raw mode (ser2net, an RFC 2217-less terminal server): plain bytes. */
export function createTcpLink(options: TcpLinkOptions): SerialLink {
  const { host, port, connectTimeoutMs = 5000 } = options ?? {};
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('tcp link option "host" must be a non-empty string');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`tcp link option "port" must be an integer from 1 to 65535, got ${JSON.stringify(port)}`);
  }
  if (!(connectTimeoutMs > 0)) {
    throw new TypeError(`tcp link option "connectTimeoutMs" must be a positive number, got ${JSON.stringify(connectTimeoutMs)}`);
  }
  return new TcpLink(host, port, connectTimeoutMs);
}
