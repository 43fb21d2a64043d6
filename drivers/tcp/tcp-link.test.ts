import net from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialLink, SerialLinkState } from '../serial-link.js';
import { recordBytes } from '../test-support/bytes.js';
import { describeSerialLinkContract } from '../test-support/serial-link-contract.js';
import { startStalledListener } from '../test-support/stalled-listener.js';
import { TCP_STALL_BYTES } from '../test-support/socket-peer.js';
import { startTcpPeer, type TcpPeer } from '../test-support/tcp-peer.js';
import { createTcpLink } from './tcp-link.js';

describeSerialLinkContract('tcp link', async () => {
  const peer = await startTcpPeer();
  const link = createTcpLink({ host: '127.0.0.1', port: peer.port });
  return {
    link,
    peer,
    attachPeer: async () => void (await peer.accepted()),
    stallBytes: TCP_STALL_BYTES,
    cleanup: async () => {
      await link.close();
      await peer.stop();
    },
  };
});

function nextState(link: SerialLink, type: SerialLinkState['type']): Promise<SerialLinkState> {
  return firstValueFrom(link.state$.pipe(filter((s) => s.type === type)));
}

describe('tcp link', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function connected(): Promise<{ link: SerialLink; peer: TcpPeer; socket: net.Socket }> {
    const peer = await startTcpPeer();
    cleanups.push(() => peer.stop());
    const link = createTcpLink({ host: '127.0.0.1', port: peer.port });
    cleanups.push(() => link.close());
    await link.open();
    return { link, peer, socket: await peer.accepted() };
  }

  it('is described as tcp://host:port', () => {
    expect(createTcpLink({ host: '127.0.0.1', port: 4001 }).description).toBe('tcp://127.0.0.1:4001');
    expect(createTcpLink({ host: '::1', port: 4001 }).description).toBe('tcp://[::1]:4001');
  });

  it('becomes lost, saying so, when the server closes the connection', async () => {
    const { link, socket } = await connected();
    const lost = nextState(link, 'lost');
    socket.destroy();
    const state = await lost;
    expect(state.type === 'lost' && state.error.message).toBe(`${link.description}: the remote end closed the connection`);
    await expect(link.write(Buffer.from([1]))).rejects.toThrow(/link lost/);
  });

  it('becomes lost with "reset" when the server resets the connection', async () => {
    const { link, socket } = await connected();
    const lost = nextState(link, 'lost');
    socket.resetAndDestroy();
    const state = await lost;
    expect(state.type === 'lost' && state.error.message).toMatch(/connection reset by the remote end \(ECONNRESET\)/);
  });

  it('opens again after a loss', async () => {
    const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const link = createTcpLink({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    cleanups.push(() => link.close());
    await link.open();
    const lost = nextState(link, 'lost');
    await link.write(Buffer.from('bye'));
    await lost;
    await link.open();
    expect((await firstValueFrom(link.state$)).type).toBe('opened');
  });

  it('rejects open with "connection refused" naming host:port', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const link = createTcpLink({ host: '127.0.0.1', port });
    await expect(link.open()).rejects.toThrow(`cannot connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
    expect((await firstValueFrom(link.state$)).type).toBe('closed');
  });

  it('rejects open when the connect times out', async () => {
    const listener = await startStalledListener();
    cleanups.push(() => listener.stop());
    const link = createTcpLink({ host: '127.0.0.1', port: listener.port, connectTimeoutMs: 300 });
    await expect(link.open()).rejects.toThrow(`cannot connect to 127.0.0.1:${listener.port}: timed out after 300 ms`);
  });

  it('delivers what the server sends as it arrives', async () => {
    const { link, socket } = await connected();
    const received = recordBytes(link.data$);
    socket.write('from ser2net');
    expect((await received.waitFor(12)).toString()).toBe('from ser2net');
  });

  it('validates its options with a TypeError naming the field', () => {
    expect(() => createTcpLink({ host: '', port: 1 })).toThrow(/"host"/);
    expect(() => createTcpLink({ host: 'h', port: 0 })).toThrow(/"port"/);
    expect(() => createTcpLink({ host: 'h', port: 70000 })).toThrow(TypeError);
    expect(() => createTcpLink({ host: 'h', port: 1, connectTimeoutMs: -1 })).toThrow(/"connectTimeoutMs"/);
  });
});
