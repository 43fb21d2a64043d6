import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Reason } from '../../streams/link/protocol.js';
import { connectBroker, reasonCodeFor } from './broker-transports.js';
import { parseBrokerUrl } from './broker-url.js';
import { startWsTestServer } from './test-support/ws-test-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsServer(options: Parameters<typeof startWsTestServer>[0] = {}) {
  const server = await startWsTestServer(options);
  cleanups.push(() => server.stop());
  return server;
}

/** A TCP server that does `onConnection` with each connection; returns its port. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<{ port: number; connections: net.Socket[] }> {
  const connections: net.Socket[] = [];
  const server = net.createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of connections) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, connections };
}

const failure = (attempt: Promise<unknown>): Promise<Error & { reason?: string }> =>
  attempt.then(
    () => {
      throw new Error('expected the connection to fail');
    },
    (error: Error) => error,
  );

describe('ws:// and wss:// through connectBroker', () => {
  it('asks for the "mqtt" subprotocol at the URL\'s path, /mqtt by default', async () => {
    const server = await wsServer({ path: '/custom' });
    const accepted = server.accepted();
    const socket = await connectBroker(parseBrokerUrl(`ws://127.0.0.1:${server.port}/custom?client=bench`));
    cleanups.push(() => socket.destroy());
    const side = await accepted;
    expect(side.request.url).toBe('/custom?client=bench');
    expect(side.ws.protocol).toBe('mqtt');
    const other = await wsServer();
    const next = other.accepted();
    const second = await connectBroker(parseBrokerUrl(`ws://127.0.0.1:${other.port}`));
    cleanups.push(() => second.destroy());
    expect((await next).request.url).toBe('/mqtt');
  });

  it('says in plain words that the path is wrong when the server answers 404', async () => {
    const server = await wsServer();
    const error = await failure(connectBroker(parseBrokerUrl(`ws://127.0.0.1:${server.port}/wrongpath`)));
    expect(error).toMatchObject({ reason: 'unreachable', message: `the broker at 127.0.0.1:${server.port} answered HTTP 404 at /wrongpath: is the WebSocket path right?` });
    expect(reasonCodeFor(error)).toBe(Reason.BROKER_UNREACHABLE);
  });

  it('says the "mqtt" subprotocol was not accepted when the server ignores it', async () => {
    const server = await wsServer({ subprotocol: false });
    const error = await failure(connectBroker(parseBrokerUrl(`ws://127.0.0.1:${server.port}`)));
    expect(error.message).toBe(`the broker at 127.0.0.1:${server.port} accepted the WebSocket at /mqtt but not the "mqtt" subprotocol: is it an MQTT broker?`);
  });

  it('says when the server hangs up on the upgrade, as a plain MQTT listener does', async () => {
    const { port } = await tcpServer((socket) => socket.once('data', () => socket.destroy()));
    const error = await failure(connectBroker(parseBrokerUrl(`ws://127.0.0.1:${port}`)));
    expect(error.message).toBe(`the broker at 127.0.0.1:${port} closed the connection during the WebSocket upgrade at /mqtt: is it a WebSocket listener, not plain MQTT?`);
  });

  it('leaves socket failures to the common words: connection refused', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
    const error = await failure(connectBroker(parseBrokerUrl(`ws://127.0.0.1:${port}`)));
    expect(error).toMatchObject({ reason: 'unreachable', code: 'ECONNREFUSED', message: `connection refused by 127.0.0.1:${port}` });
  });

  it('times out a server that never answers the upgrade, and drops the connection', async () => {
    const { port, connections } = await tcpServer((socket) => socket.resume());
    const error = await failure(connectBroker(parseBrokerUrl(`ws://127.0.0.1:${port}`), { connectTimeoutMs: 200 }));
    expect(error).toMatchObject({ reason: 'timeout', message: `no answer from 127.0.0.1:${port} within 200 ms` });
    expect(connections).toHaveLength(1);
    if (!connections[0].readableEnded) await once(connections[0], 'end');
  });

  it('gives up when aborted during the handshake', async () => {
    const { port } = await tcpServer(() => undefined);
    const controller = new AbortController();
    const attempt = connectBroker(parseBrokerUrl(`ws://127.0.0.1:${port}`), { signal: controller.signal });
    controller.abort();
    expect((await failure(attempt)).reason).toBe('aborted');
  });

  it('runs wss:// over the ssl:// transport: a TLS failure is worded as one', async () => {
    // A plain listener: the TLS handshake fails before any HTTP is spoken.
    const { port } = await tcpServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const error = await failure(connectBroker(parseBrokerUrl(`wss://127.0.0.1:${port}`)));
    expect(error).toMatchObject({ reason: 'tls', message: expect.stringMatching(new RegExp(`^TLS with 127\\.0\\.0\\.1:${port} failed: `)) });
    expect(reasonCodeFor(error)).toBe(Reason.TLS_FAILED);
  });
});
