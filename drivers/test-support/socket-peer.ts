import type net from 'node:net';
import { Subject } from 'rxjs';
import type { ContractPeer } from './serial-link-contract.js';

/**
 * Loopback TCP holds about 4 MiB between a writer and a reader that has stopped (send buffer
 * autotuning up to tcp_wmem's 4 MiB, plus the receive window); 16 MiB is sure to stall.
 */
export const TCP_STALL_BYTES = 16 << 20;

/** The far end of a TCP link as the contract drives it; pause/resume may come before the socket. */
export function socketPeer(socket: Promise<net.Socket>): ContractPeer {
  const data$ = new Subject<Buffer>();
  let paused = false;
  void socket.then((s) => {
    s.on('data', (chunk: Buffer) => data$.next(chunk));
    s.on('error', () => undefined);
    if (paused) s.pause();
  });
  return {
    data$: data$.asObservable(),
    write: async (bytes) => {
      const s = await socket;
      await new Promise<void>((resolve, reject) => s.write(bytes, (e) => (e ? reject(e) : resolve())));
    },
    pauseReading: () => {
      paused = true;
      void socket.then((s) => s.pause());
    },
    resumeReading: () => {
      paused = false;
      void socket.then((s) => s.resume());
    },
    close: async () => {
      (await socket).destroy();
    },
  };
}
