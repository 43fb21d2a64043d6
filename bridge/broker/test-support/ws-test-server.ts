import http from 'node:http';
import type net from 'node:net';
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ServerSide {
  ws: WebSocket;
  /** The server's TCP socket: to see FIN ('end') or RST ('error' ECONNRESET) from the client. */
  socket: net.Socket;
  request: http.IncomingMessage;
}

/**
 * A WebSocket server on 127.0.0.1 for unit tests, behaving as a broker behind a path-checking
 * front end would: 404 off `path`, the "mqtt" subprotocol accepted unless `subprotocol` is false.
 */
export async function startWsTestServer(options: { path?: string; subprotocol?: boolean } = {}) {
  const { path = '/mqtt', subprotocol = true } = options;
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (subprotocol && offered.has('mqtt') ? 'mqtt' : false) });
  const waiting: ((side: ServerSide) => void)[] = [];
  const arrived: ServerSide[] = [];
  const server = http.createServer((_, response) => response.writeHead(426).end());
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://x').pathname !== path) return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => undefined);
      const side = { ws, socket, request };
      const next = waiting.shift();
      if (next) next(side);
      else arrived.push(side);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    /** The next connection the server accepted. */
    accepted: (): Promise<ServerSide> => new Promise((resolve) => (arrived.length ? resolve(arrived.shift() as ServerSide) : waiting.push(resolve))),
    async stop(): Promise<void> {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
