import { once } from 'node:events';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBrokerUrl } from './broker-url.js';
import { startWsTestServer, type ServerSide } from './test-support/ws-test-server.js';
import { WebSocketBrokerSocket } from './ws-socket.js';
import { connectWebSocket } from './ws-transport.js';

// The adapter as the session drives it, against a local ws server standing in for the broker.

const servers: Awaited<ReturnType<typeof startWsTestServer>>[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.stop();
});

async function pair(): Promise<{ client: net.Socket; side: ServerSide }> {
  const server = await startWsTestServer();
  servers.push(server);
  const url = parseBrokerUrl(`ws://127.0.0.1:${server.port}`);
  const [client, side] = await Promise.all([connectWebSocket(url, { signal: new AbortController().signal }), server.accepted()]);
  client.on('error', () => undefined);
  sockets.push(client);
  return { client, side };
}

/** Every binary message the server gets, in order. */
function messages(side: ServerSide): Buffer[] {
  const got: Buffer[] = [];
  side.ws.on('message', (data: Buffer) => got.push(data));
  return got;
}

/** Resolves once `bytes` bytes came in on `client` ('data'), with all of them. */
function received(client: net.Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      if (total < bytes) return;
      client.removeListener('data', onData);
      resolve(Buffer.concat(chunks));
    };
    client.on('data', onData);
  });
}

const closeCode = (side: ServerSide): Promise<number> => once(side.ws, 'close').then(([code]) => code as number);

describe('WebSocketBrokerSocket', () => {
  it('is a net.Socket whose data are the binary messages and whose writes become them', async () => {
    const { client, side } = await pair();
    expect(client).toBeInstanceOf(WebSocketBrokerSocket);
    const got = messages(side);
    const written = new Promise<void>((resolve, reject) => client.write(Buffer.from([0xc0, 0x00]), (e) => (e ? reject(e) : resolve())));
    await written;
    await new Promise<void>((resolve) => side.ws.once('message', () => resolve()));
    expect(got).toEqual([Buffer.from([0xc0, 0x00])]);
    // Packets split and merged across messages arrive as the same bytes, in order.
    const incoming = received(client, 6);
    side.ws.send(Buffer.from([0xd0, 0x00, 0x30]));
    side.ws.send(Buffer.from([0x01, 0x00, 0x00]));
    expect(await incoming).toEqual(Buffer.from([0xd0, 0x00, 0x30, 0x01, 0x00, 0x00]));
  });

  it('sends a cork batch as one message', async () => {
    const { client, side } = await pair();
    const got = messages(side);
    client.cork();
    client.write(Buffer.from('a'));
    client.write(Buffer.from('bc'));
    client.write(Buffer.from('def'));
    process.nextTick(() => client.uncork());
    await once(side.ws, 'message');
    expect(got.map(String)).toEqual(['abcdef']);
  });

  it('says when the broker does not keep up (write false, writableNeedDrain), then drains', async () => {
    const { client, side } = await pair();
    side.ws.pause(); // the broker stops reading: TCP fills, then the adapter's buffer
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    while (client.write(chunk)) sent += chunk.length;
    sent += chunk.length;
    expect(client.writableNeedDrain).toBe(true);
    expect(client.writableLength).toBeGreaterThan(0);
    const drained = once(client, 'drain');
    let got = 0;
    const all = new Promise<void>((resolve) =>
      side.ws.on('message', (data: Buffer) => {
        got += data.length;
        if (got === sent) resolve();
      }),
    );
    side.ws.resume();
    await drained;
    await all;
  });

  it('stops reading the TCP socket while paused, and loses nothing', async () => {
    const { client, side } = await pair();
    client.pause();
    const chunk = Buffer.alloc(64 * 1024, 3);
    let sent = 0;
    // The server's own send buffer grows only once the client's TCP window is shut.
    while (side.socket.writableLength < 4 * chunk.length) {
      side.ws.send(chunk);
      sent += chunk.length;
      await new Promise<void>((resolve) => setImmediate(resolve)); // let TCP move what it can
    }
    const all = received(client, sent);
    client.resume();
    expect((await all).length).toBe(sent);
  });

  it('end(): what was queued goes out, then a WebSocket close handshake (1000)', async () => {
    const { client, side } = await pair();
    const got = messages(side);
    const code = closeCode(side);
    const closed = once(client, 'close');
    client.resume(); // as the session reads: the broker's close comes after its data
    client.write(Buffer.from([0xe0, 0x00])); // DISCONNECT
    client.end();
    expect(await code).toBe(1000);
    expect(got).toEqual([Buffer.from([0xe0, 0x00])]);
    await closed;
  });

  it('destroySoon() (fin cut): what was queued goes out, then TCP FIN and no WebSocket close frame', async () => {
    const { client, side } = await pair();
    const got = messages(side);
    const fin = once(side.socket, 'end');
    const code = closeCode(side);
    const closed = once(client, 'close');
    client.write(Buffer.from('last'));
    client.destroySoon();
    await fin;
    expect(await code).toBe(1006); // closed abnormally: no close frame came
    expect(got.map(String)).toEqual(['last']);
    await closed;
    expect(client.destroyed).toBe(true);
  });

  it('resetAndDestroy() (rst cut): TCP RST at once', async () => {
    const { client, side } = await pair();
    const reset = once(side.socket, 'error').then(([e]) => (e as NodeJS.ErrnoException).code);
    const code = closeCode(side);
    client.resetAndDestroy();
    expect(client.destroyed).toBe(true);
    expect(await reset).toBe('ECONNRESET');
    expect(await code).toBe(1006);
  });

  it('ends and closes when the broker closes, cleanly or not', async () => {
    const { client, side } = await pair();
    client.resume();
    const ended = once(client, 'end');
    const closed = once(client, 'close');
    side.ws.close(1000);
    await ended;
    expect(await closed).toEqual([false]);
    const again = await pair();
    again.client.resume();
    const gone = once(again.client, 'close');
    again.side.ws.terminate();
    await gone;
    expect(again.client.destroyed).toBe(true);
  });

  it('drops the connection on a text message: MQTT is binary only', async () => {
    const { client, side } = await pair();
    const error = once(client, 'error');
    const code = closeCode(side);
    side.ws.send('hello');
    expect(String((await error)[0])).toMatch(/text WebSocket message/);
    expect(await code).toBe(1006);
  });
});
