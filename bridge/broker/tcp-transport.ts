import net from 'node:net';
import type { BrokerTransport } from './broker-transport.js';

// MQTT keep-alive only runs while the board's client has it on (keepalive 0 is legal); TCP
// keep-alive still notices a broker host that vanished from the network.
export const TCP_KEEPALIVE_DELAY_MS = 10_000;

/** tcp:// and mqtt://: a plain TCP socket. */
export const connectTcp: BrokerTransport = (url, { signal }) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.host, port: url.port });
    const settle = (error?: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', settle);
      socket.removeListener('connect', onConnect);
      if (error === undefined) return resolve(socket);
      // Late errors from a socket we gave up on have no one left to tell.
      socket.on('error', () => undefined);
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => settle(signal.reason);
    const onConnect = (): void => {
      // MQTT packets are small and latency-bound: Nagle would hold them waiting for ACKs.
      socket.setNoDelay(true);
      socket.setKeepAlive(true, TCP_KEEPALIVE_DELAY_MS);
      settle();
    };
    if (signal.aborted) return settle(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', settle);
    socket.once('connect', onConnect);
  });
