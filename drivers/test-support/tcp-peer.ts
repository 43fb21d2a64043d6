import net from 'node:net';
import type { ContractPeer } from './serial-link-contract.js';
import { socketPeer } from './socket-peer.js';

export interface TcpPeer extends ContractPeer {
  port: number;
  /** The accepted socket, once the link has connected. */
  accepted(): Promise<net.Socket>;
  /** Closes the accepted socket (if any) and the listening server. */
  stop(): Promise<void>;
}

/** A stand-in serial server (ser2net, raw mode) on 127.0.0.1 that serves one connection. */
export async function startTcpPeer(): Promise<TcpPeer> {
  const server = net.createServer();
  const sockets = new Set<net.Socket>();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const closeSockets = (): void => sockets.forEach((socket) => socket.destroy());
  return {
    ...socketPeer(accepted),
    port,
    accepted: () => accepted,
    close: async () => closeSockets(),
    stop: async () => {
      closeSockets();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
