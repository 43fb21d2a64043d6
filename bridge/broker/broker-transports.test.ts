import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startStalledListener } from '../../drivers/test-support/stalled-listener.js';
import { Reason } from '../../streams/link/protocol.js';
import { brokerConnectErrorFrom } from './broker-connect-error.js';
import { BrokerConnectError, connectBroker, dl7450ErrorFor, reasonCodeFor } from './broker-transports.js';
import { BrokerUrlError, parseBrokerUrl } from './broker-url.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(): Promise<{ port: number; accepted: Promise<net.Socket> }> {
  const server = net.createServer();
  const sockets = new Set<net.Socket>();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    sockets.forEach((s) => s.destroy());
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, accepted };
}

/** A loopback port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<BrokerConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BrokerConnectError);
  return error as BrokerConnectError;
}

function track(socket: net.Socket): net.Socket {
  cleanups.push(() => void socket.destroy());
  return socket;
}

describe('connectBroker', () => {
  it.each(['tcp', 'mqtt'])('opens a TCP socket for %s://, with Nagle off and keep-alive on', async (scheme) => {
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const keepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    const { port, accepted } = await echoServer();
    const socket = track(await connectBroker(parseBrokerUrl(`${scheme}://127.0.0.1:${port}`)));
    await accepted;
    expect(noDelay).toHaveBeenCalledWith(true);
    expect(keepAlive.mock.calls[0]?.[0]).toBe(true);
    socket.write('ping');
    const [echo] = (await once(socket, 'data')) as [Buffer];
    expect(echo.toString()).toBe('ping');
  });

  it('leaves an open socket alone when the signal aborts afterwards', async () => {
    const { port } = await echoServer();
    const controller = new AbortController();
    const socket = track(await connectBroker(parseBrokerUrl(`tcp://127.0.0.1:${port}`), { signal: controller.signal }));
    controller.abort();
    expect(socket.destroyed).toBe(false);
  });

  it('says "connection refused by host:port" when nothing listens', async () => {
    const port = await closedPort();
    const error = await failure(connectBroker(parseBrokerUrl(`tcp://127.0.0.1:${port}`)));
    expect(error).toMatchObject({ reason: 'unreachable', code: 'ECONNREFUSED', message: `connection refused by 127.0.0.1:${port}` });
    expect(reasonCodeFor(error)).toBe(Reason.BROKER_UNREACHABLE);
  });

  it('says the host name did not resolve for a name that cannot exist', async () => {
    // .invalid never resolves (RFC 6761); the generous timeout only guards a slow resolver.
    const error = await failure(connectBroker(parseBrokerUrl('tcp://no-such-broker.invalid:1884'), { connectTimeoutMs: 20_000 }));
    expect(error.reason).toBe('dns');
    expect(error.message).toMatch(/^host name no-such-broker\.invalid did not resolve/);
    expect(reasonCodeFor(error)).toBe(Reason.DNS_FAILED);
  });

  it('times out against a listener that never accepts', async () => {
    const stalled = await startStalledListener();
    cleanups.push(() => stalled.stop());
    const error = await failure(connectBroker(parseBrokerUrl(`tcp://127.0.0.1:${stalled.port}`), { connectTimeoutMs: 200 }));
    expect(error).toMatchObject({ reason: 'timeout', message: `no answer from 127.0.0.1:${stalled.port} within 200 ms` });
    expect(reasonCodeFor(error)).toBe(Reason.TIMEOUT);
  });

  it('gives up with reason "aborted" when the signal aborts during the attempt, or before it', async () => {
    const stalled = await startStalledListener();
    cleanups.push(() => stalled.stop());
    const url = parseBrokerUrl(`tcp://127.0.0.1:${stalled.port}`);
    const controller = new AbortController();
    const attempt = connectBroker(url, { signal: controller.signal, connectTimeoutMs: 30_000 });
    controller.abort();
    expect(await failure(attempt)).toMatchObject({ reason: 'aborted', message: `connecting to ${url.href} was cancelled` });
    expect((await failure(connectBroker(url, { signal: AbortSignal.abort() }))).reason).toBe('aborted');
  });

  it.each(['ssl', 'mqtts'])('connects %s:// over TLS: a refused port is still "unreachable", not a TLS failure', async (scheme) => {
    const error = await failure(connectBroker(parseBrokerUrl(`${scheme}://127.0.0.1:1`)));
    expect(error).toMatchObject({ reason: 'unreachable', code: 'ECONNREFUSED' });
    expect(reasonCodeFor(error)).toBe(Reason.BROKER_UNREACHABLE);
  });

  it('refuses a bad timeout or an unparsed URL with a TypeError naming it', async () => {
    const url = parseBrokerUrl('tcp://127.0.0.1:1');
    await expect(connectBroker(url, { connectTimeoutMs: 0 })).rejects.toThrow(/"connectTimeoutMs" must be a positive number of ms, got 0/);
    await expect(connectBroker({ ...url, scheme: 'http' as 'tcp' })).rejects.toThrow(/"url" must be a parsed BrokerUrl/);
  });
});

describe('brokerConnectErrorFrom', () => {
  const url = parseBrokerUrl('tcp://[::1]:1884');
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`connect ${code}`), { code });

  it.each([
    ['ECONNRESET', 'unreachable', 'connection reset by [::1]:1884'],
    ['EHOSTUNREACH', 'unreachable', 'no route to [::1]:1884 (host unreachable)'],
    ['ENETUNREACH', 'unreachable', 'no route to [::1]:1884 (network unreachable)'],
    ['ETIMEDOUT', 'timeout', 'no answer from [::1]:1884: the system gave up connecting'],
    ['ENOTFOUND', 'dns', 'host name ::1 did not resolve'],
    ['EAI_AGAIN', 'dns', 'host name ::1 did not resolve for now: is a name server reachable?'],
    ['EWHATEVER', 'unreachable', 'cannot connect to [::1]:1884: connect EWHATEVER'],
  ])('words %s plainly', (code, reason, message) => {
    expect(brokerConnectErrorFrom(errno(code), url)).toMatchObject({ reason, message, code });
  });

  it('reads the code of the first attempt of an AggregateError (happy eyeballs)', () => {
    const error = brokerConnectErrorFrom(new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')]), url);
    expect(error).toMatchObject({ reason: 'unreachable', code: 'ECONNREFUSED', message: 'connection refused by [::1]:1884' });
  });
});

describe('reasonCodeFor', () => {
  it('maps URL errors and anything unforeseen', () => {
    expect(reasonCodeFor(new BrokerUrlError('bad-url', 'x', 'x'))).toBe(Reason.BAD_URL);
    expect(reasonCodeFor(new BrokerUrlError('unsupported-scheme', 'x', 'x'))).toBe(Reason.UNSUPPORTED_SCHEME);
    expect(reasonCodeFor(new BrokerConnectError('aborted', 'x'))).toBe(Reason.NORMAL);
    expect(reasonCodeFor(new Error('surprise'))).toBe(Reason.BROKER_UNREACHABLE);
    expect(reasonCodeFor(Object.assign(new Error('no broker'), { reason: 'bad-url' }))).toBe(Reason.BAD_URL);
    expect(reasonCodeFor(Object.assign(new Error('odd'), { reason: 'toString' }))).toBe(Reason.BROKER_UNREACHABLE);
    expect(reasonCodeFor(undefined)).toBe(Reason.BROKER_UNREACHABLE);
  });
});

describe('dl7450ErrorFor', () => {
  it('maps every link reason onto the three documented SDK codes', () => {
    const expected: Record<number, number> = { [Reason.BAD_URL]: -14, [Reason.UNSUPPORTED_SCHEME]: -14 };
    for (const r of [Reason.BROKER_CLOSED, Reason.LINK_RESET, Reason.BRIDGE_SHUTDOWN]) expected[r] = -3;
    for (const reason of Object.values(Reason)) expect(dl7450ErrorFor(reason), `reason ${reason}`).toBe(expected[reason] ?? -1);
    expect(dl7450ErrorFor(200)).toBe(-1);
  });
});
