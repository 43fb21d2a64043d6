import type net from 'node:net';
import { SocketLink } from '../tcp/socket-link.js';

/**
 * One board's connection to a listen:// source. It can be opened once, by the source, when the
 * connection is accepted: a board that comes back makes a new connection and a new link.
 */
export class AcceptedLink extends SocketLink {
  private unopened: net.Socket | undefined;

  constructor(
    socket: net.Socket,
    readonly description: string,
  ) {
    super();
    this.unopened = socket;
  }

  protected async doOpen(): Promise<void> {
    const socket = this.unopened;
    this.unopened = undefined;
    if (!socket) {
      throw new Error(`${this.description}: an accepted connection cannot be reopened; the board must connect again`);
    }
    if (socket.destroyed) throw new Error(`${this.description}: the board disconnected before its link opened`);
    this.attachSocket(socket);
  }
}

/** "127.0.0.1:7000", "[::1]:7000". */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
