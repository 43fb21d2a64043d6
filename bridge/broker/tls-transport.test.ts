import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Reason } from '../../streams/link/protocol.js';
import { createTestPki, type TestPki } from '../../hil-tests/support/test-pki.js';
import { connectBroker, reasonCodeFor, type BrokerConnectError } from './broker-transports.js';
import { parseBrokerUrl } from './broker-url.js';

vi.setConfig({ testTimeout: 10_000 });

let pki: TestPki;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.stop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as net.AddressInfo).port;
}

/** A TLS echo server with the test PKI's localhost certificate; `accepted` is its side of the first connection. */
async function tlsServer(): Promise<{ port: number; accepted: Promise<tls.TLSSocket> }> {
  const server = tls.createServer({ cert: pki.server.certPem, key: pki.server.keyPem });
  const accepted = new Promise<tls.TLSSocket>((resolve) => server.once('secureConnection', resolve));
  server.on('secureConnection', (s) => {
    cleanups.push(() => s.destroy());
    s.on('error', () => undefined);
    s.pipe(s);
  });
  return { port: await listen(server), accepted };
}

const failure = (p: Promise<unknown>) => p.then(() => expect.fail('it connected'), (e: BrokerConnectError) => e);

describe('connectTls (ssl://, mqtts://)', () => {
  it('verifies against the given CA, sends SNI for a host name, and echoes bytes', async () => {
    const server = await tlsServer();
    const socket = (await connectBroker(parseBrokerUrl(`ssl://localhost:${server.port}`), { tls: { ca: pki.ca.certPem } })) as tls.TLSSocket;
    cleanups.push(() => socket.destroy());
    expect(socket.authorized).toBe(true);
    expect((await server.accepted).servername).toBe('localhost');
    socket.write('ping');
    const [echo] = (await once(socket, 'data')) as [Buffer];
    expect(echo.toString()).toBe('ping');
  });

  it('sends no SNI for an IP address, and checks the IP against the certificate', async () => {
    const server = await tlsServer();
    const socket = (await connectBroker(parseBrokerUrl(`mqtts://127.0.0.1:${server.port}`), { tls: { ca: pki.ca.certPem } })) as tls.TLSSocket;
    cleanups.push(() => socket.destroy());
    expect((await server.accepted).servername).toBe(false);
  });

  it('refuses an unknown CA unless rejectUnauthorized is false', async () => {
    const server = await tlsServer();
    const url = parseBrokerUrl(`ssl://localhost:${server.port}`);
    const error = await failure(connectBroker(url, { tls: { ca: pki.otherCa.certPem } }));
    expect(error).toMatchObject({ reason: 'tls', tlsCause: 'untrusted', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(reasonCodeFor(error)).toBe(Reason.TLS_FAILED);
    const socket = await connectBroker(url, { tls: { ca: pki.otherCa.certPem, rejectUnauthorized: false } });
    cleanups.push(() => socket.destroy());
    expect((socket as tls.TLSSocket).authorized).toBe(false);
  });

  it('resets the TCP connection on resetAndDestroy(), which a TLSSocket cannot do itself (cut rst)', async () => {
    const server = await tlsServer();
    // A TCP relay in front: the TLS server's own socket would not say how the TCP one ended.
    let seen: Promise<string> = new Promise(() => undefined);
    const relay = net.createServer((front) => {
      const back = net.connect(server.port, '127.0.0.1');
      cleanups.push(() => back.destroy());
      front.pipe(back).pipe(front);
      back.on('error', () => undefined);
      seen = new Promise((resolve) => {
        front.once('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
        front.once('end', () => resolve('FIN'));
      });
    });
    const port = await listen(relay);
    const socket = await connectBroker(parseBrokerUrl(`ssl://localhost:${port}`), { tls: { ca: pki.ca.certPem } });
    await server.accepted;
    const closed = once(socket, 'close');
    socket.resetAndDestroy();
    expect(await seen).toBe('ECONNRESET');
    await closed; // the TLS socket goes with its TCP one
  });

  it('gives up on a broker that accepts TCP but never answers TLS, at the timeout, destroying what it opened', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.resume(); // reads the ClientHello and never answers; reading is what notices the close
    });
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const port = await listen(server);
    const error = await failure(connectBroker(parseBrokerUrl(`ssl://localhost:${port}`), { connectTimeoutMs: 200 }));
    expect(error).toMatchObject({ reason: 'timeout' });
    await once(sockets[0], 'end'); // the bridge closed its side
  });

  it('calls a reset during the handshake a TLS failure, not a refused connection', async () => {
    const server = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
    const port = await listen(server);
    const error = await failure(connectBroker(parseBrokerUrl(`ssl://localhost:${port}`)));
    expect(error).toMatchObject({ reason: 'tls', tlsCause: 'handshake', message: expect.stringContaining('closed the connection during the handshake') });
  });

  it('stays "unreachable" for a refused port', async () => {
    const error = await failure(connectBroker(parseBrokerUrl('ssl://127.0.0.1:1')));
    expect(error).toMatchObject({ reason: 'unreachable', code: 'ECONNREFUSED' });
  });
});
