import net from 'node:net';
import { first, Observable, Subject } from 'rxjs';
import type { SerialLink } from '../serial-link.js';
import { describeTcpError } from '../tcp/tcp-errors.js';
import { AcceptedLink, hostPort } from './accepted-link.js';
import { isAnyAddress } from './bind-address.js';

export interface ListenLinkSourceOptions {
  /** The address to listen on: 127.0.0.1 unless given. A wildcard needs allowAnyAddress. */
  host?: string;
  /** 0 picks a free port; address() says which. */
  port: number;
  /**
   * Allows 0.0.0.0 or ::, which accept boards from any network. Off by default: a bench
   * bridge should not be reachable from the network by accident.
   */
  allowAnyAddress?: boolean;
  /** A failed accept (EMFILE, ECONNABORTED); the source keeps listening. Ignored by default. */
  onAcceptError?: (error: Error) => void;
}

export interface ListenLinkSource {
  /**
   * One link per accepted connection, already opened; it becomes lost when the board closes
   * or resets the connection. Links accepted while nobody is subscribed wait for the next
   * subscriber, so none is dropped. Completes after close().
   */
  readonly links$: Observable<SerialLink>;
  /** Where the source listens, the port resolved if 0 was asked for. */
  address(): { host: string; port: number };
  /** Stops accepting and closes every link it accepted. Idempotent. */
  close(): Promise<void>;
}

/** Boards that connect to the bridge over TCP (a board's Wi-Fi, a serial server dialing out). */
export async function createListenLinkSource(options: ListenLinkSourceOptions): Promise<ListenLinkSource> {
  const { host = '127.0.0.1', port, allowAnyAddress = false, onAcceptError = () => undefined } = options ?? {};
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('listen option "host" must be a non-empty string');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`listen option "port" must be an integer from 0 to 65535, got ${JSON.stringify(port)}`);
  }
  if (!allowAnyAddress && isAnyAddress(host)) throw refuseAnyAddress(hostPort(host, port));

  const server = net.createServer();
  await listen(server, host, port);
  const bound = server.address() as net.AddressInfo;
  if (!allowAnyAddress && isAnyAddress(bound.address)) {
    await new Promise((resolve) => server.close(resolve));
    throw refuseAnyAddress(hostPort(host, port));
  }
  const local = `listen://${hostPort(bound.address, bound.port)}`;

  const accepted = new Subject<SerialLink>();
  const waiting: SerialLink[] = [];
  const live = new Set<AcceptedLink>();
  let closing: Promise<void> | undefined;

  const deliver = (link: SerialLink): void => {
    if (accepted.observed) accepted.next(link);
    else waiting.push(link);
  };

  server.on('error', (error) => onAcceptError(new Error(`${local}: accept failed: ${describeTcpError(error)}`, { cause: error })));
  server.on('connection', (socket) => {
    const link = new AcceptedLink(socket, `${local} <- ${hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}`);
    // Only microtasks pass before the link attaches its listeners, so no socket event is missed.
    link.open().then(
      () => {
        if (closing) return void link.close();
        live.add(link);
        link.state$.pipe(first((state) => state.type !== 'opened')).subscribe(() => live.delete(link));
        deliver(link);
      },
      // The board left before its link opened: there is nothing to hand over.
      () => socket.destroy(),
    );
  });

  return {
    links$: new Observable<SerialLink>((subscriber) => {
      const subscription = accepted.subscribe(subscriber);
      for (const link of waiting.splice(0)) subscriber.next(link);
      return subscription;
    }),
    address: () => ({ host: bound.address, port: bound.port }),
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...live].map((link) => link.close()));
        await stopped;
        waiting.length = 0;
        accepted.complete();
      })()),
  };
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${hostPort(host, port)}: ${describeTcpError(error)}`, { cause: error })));
    server.listen({ host, port }, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
}

function refuseAnyAddress(where: string): Error {
  return new Error(
    `refusing to listen on ${where}: that address accepts boards from any network, and a bench bridge should not be ` +
      'reachable from the network by accident; listen on 127.0.0.1 or ::1, or pass allowAnyAddress: true ' +
      '(?allowAnyAddress=1 in a listen:// spec) if that is meant',
  );
}
