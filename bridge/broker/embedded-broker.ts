import net from 'node:net';
import { once } from 'node:events';
import { Aedes, type AedesOptions } from 'aedes';
import { hostAndPort } from './broker-url.js';

export interface EmbeddedBrokerOptions {
  /** Loopback by default: the embedded broker is for the bench, not the network. */
  host?: string;
  /** 0 (default) takes a free port; read the one taken from `port`. */
  port?: number;
  /** Passed to Aedes as is: authenticate, authorizePublish... */
  aedes?: AedesOptions;
}

export interface EmbeddedBroker {
  /** `mqtt://127.0.0.1:<port>`, ready for parseBrokerUrl, MQTT.js and mosquitto_pub -L. */
  url: string;
  port: number;
  aedes: Aedes;
  /** Stops listening, drops every client and closes Aedes; resolves when all of that is done. */
  close(): Promise<void>;
}

/** An in-process MQTT broker (Aedes) for a bench without one, and for tests. */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const { host = '127.0.0.1', port = 0, aedes: aedesOptions } = options;
  if (typeof host !== 'string' || host === '') throw new TypeError(`embedded broker option "host" must be a non-empty string, got ${JSON.stringify(host)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`embedded broker option "port" must be an integer from 0 to 65535, got ${JSON.stringify(port)}`);
  }
  const aedes = await Aedes.createBroker(aedesOptions);
  // Aedes only knows clients that completed CONNECT; a socket still before that (or one it
  // refused) would keep server.close() waiting, so the server keeps its own list.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    server.listen({ host, port });
    await once(server, 'listening');
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw new Error(`embedded broker cannot listen on ${hostAndPort({ host, port })}: ${(error as Error).message}`, { cause: error });
  }
  const bound = (server.address() as net.AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Aedes first, so that its clients end as a broker ending them would; then whatever is left.
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await serverClosed;
    })());

  return { url: `mqtt://${hostAndPort({ host, port: bound })}`, port: bound, aedes, close };
}
