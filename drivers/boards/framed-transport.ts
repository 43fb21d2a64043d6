import { createBoardConnections, type BoardConnectionsOptions } from './board-connections.js';
import type { BoardTransport } from './board-transport.js';
import { openConnectionStream } from './connection-stream.js';

/** Each connection attempt is a link connection (OPEN ... CLOSE) on the board's framed link. */
export function createFramedTransport(options: BoardConnectionsOptions): BoardTransport {
  const connections = createBoardConnections(options);
  return {
    openStream: (url, tls) =>
      openConnectionStream({
        url,
        ...(tls && { tls }),
        open: (target, handlers, material) => connections.open(target, handlers, material),
        whenFlowing: (fn) => connections.whenFlowing(fn),
        maxPacketBytes: options.maxPacketBytes,
      }),
    log: (text) => connections.log(text),
    drained: (timeoutMs) => connections.drained(timeoutMs),
    stop: () => connections.stop(),
  };
}
