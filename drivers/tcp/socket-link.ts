import type net from 'node:net';
import { BaseLink } from '../base-link.js';
import { describeTcpError } from './tcp-errors.js';

/**
 * A link over a connected TCP socket, whoever connected it: the bytes, flow control and loss
 * detection shared by outgoing (tcp://) and accepted (listen://) connections.
 */
export abstract class SocketLink extends BaseLink {
  private socket: net.Socket | undefined;

  protected doWrite(bytes: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('socket is not connected'));
    return new Promise((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  protected async doClose(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.closed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  // pause() stops 'data' at once; node then reads at most one more buffer from the kernel and
  // stops (readStop), after which the TCP window closes on the sender. While paused a close
  // from the far end is only seen on resume or on the next write, since EOF comes after the data.
  protected applyReadingPaused(paused: boolean): void {
    if (paused) this.socket?.pause();
    else this.socket?.resume();
  }

  protected attachSocket(socket: net.Socket): void {
    this.socket = socket;
    // Frames are small and latency-bound; Nagle would hold them back waiting for ACKs.
    socket.setNoDelay(true);
    // A peer that vanishes from the network would otherwise go unnoticed while we only read.
    socket.setKeepAlive(true, 10_000);
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.emitData(chunk));
    if (this.readingPaused) socket.pause();
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const cause = failure ? describeTcpError(failure) : 'the remote end closed the connection';
      this.lose(new Error(`${this.description}: ${cause}`, { cause: failure }));
    });
  }
}
