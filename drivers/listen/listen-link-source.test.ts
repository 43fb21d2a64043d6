import net from 'node:net';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialLink, SerialLinkState } from '../serial-link.js';
import { recordBytes } from '../test-support/bytes.js';
import { describeOpenedLinkContract } from '../test-support/serial-link-contract.js';
import { socketPeer, TCP_STALL_BYTES } from '../test-support/socket-peer.js';
import { createListenLinkSource, type ListenLinkSource } from './listen-link-source.js';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Links in the order the source hands them over. */
function collect(source: ListenLinkSource): { next(): Promise<SerialLink>; completed: Promise<void>; stop(): void } {
  const queue: SerialLink[] = [];
  const waiters: ((link: SerialLink) => void)[] = [];
  let complete: () => void = () => undefined;
  const completed = new Promise<void>((resolve) => (complete = resolve));
  const subscription: Subscription = source.links$.subscribe({
    next: (link) => (waiters.length ? waiters.shift()!(link) : queue.push(link)),
    complete: () => complete(),
  });
  return {
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))),
    completed,
    stop: () => subscription.unsubscribe(),
  };
}

function nextState(link: SerialLink, type: SerialLinkState['type']): Promise<SerialLinkState> {
  return firstValueFrom(link.state$.pipe(filter((s) => s.type === type)));
}

function closedBy(socket: net.Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

describeOpenedLinkContract('listen link (an accepted connection)', async () => {
  const source = await createListenLinkSource({ port: 0 });
  const links = collect(source);
  const client = connect(source.address().port);
  client.catch(() => undefined);
  const link = await links.next();
  return {
    link,
    peer: socketPeer(client),
    stallBytes: TCP_STALL_BYTES,
    cleanup: async () => {
      links.stop();
      (await client).destroy();
      await source.close();
    },
  };
});

describe('listen link source', () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(): Promise<{ source: ListenLinkSource; links: ReturnType<typeof collect>; port: number }> {
    const source = await createListenLinkSource({ port: 0 });
    cleanups.push(() => source.close());
    const links = collect(source);
    cleanups.push(() => links.stop());
    return { source, links, port: source.address().port };
  }

  async function client(port: number): Promise<net.Socket> {
    const socket = await connect(port);
    socket.on('error', () => undefined);
    cleanups.push(() => void socket.destroy());
    return socket;
  }

  it('listens on 127.0.0.1 by default, on the port it reports', async () => {
    const { source, port } = await started();
    expect(source.address()).toEqual({ host: '127.0.0.1', port });
    expect(port).toBeGreaterThan(0);
  });

  it('gives each connection its own opened link, described as listen://local <- remote, carrying its own bytes both ways', async () => {
    const { links, port } = await started();
    const [first, second] = [await client(port), await client(port)];
    const linkA = await links.next();
    const linkB = await links.next();
    const byClient = new Map([linkA, linkB].map((link) => [Number(/:(\d+)$/.exec(link.description)?.[1]), link]));
    const forFirst = byClient.get(first.localPort!)!;
    const forSecond = byClient.get(second.localPort!)!;
    expect(forFirst.description).toBe(`listen://127.0.0.1:${port} <- 127.0.0.1:${first.localPort}`);
    expect(forSecond.description).toBe(`listen://127.0.0.1:${port} <- 127.0.0.1:${second.localPort}`);
    expect((await firstValueFrom(forFirst.state$)).type).toBe('opened');

    const [atFirstLink, atSecondLink] = [recordBytes(forFirst.data$), recordBytes(forSecond.data$)];
    const [atFirst, atSecond] = [recordBytes(socketPeer(Promise.resolve(first)).data$), recordBytes(socketPeer(Promise.resolve(second)).data$)];
    first.write('from board one');
    second.write('from board two');
    await forFirst.write(Buffer.from('to board one'));
    await forSecond.write(Buffer.from('to board two'));
    expect((await atFirstLink.waitFor(14)).toString()).toBe('from board one');
    expect((await atSecondLink.waitFor(14)).toString()).toBe('from board two');
    expect((await atFirst.waitFor(12)).toString()).toBe('to board one');
    expect((await atSecond.waitFor(12)).toString()).toBe('to board two');
  });

  it('marks only the link whose board disconnected as lost; the other keeps working', async () => {
    const { links, port } = await started();
    const leaving = await client(port);
    const leavingLink = await links.next();
    const staying = await client(port);
    const stayingLink = await links.next();
    const lost = nextState(leavingLink, 'lost');
    leaving.end();
    const state = await lost;
    expect(state.type === 'lost' && state.error.message).toBe(`${leavingLink.description}: the remote end closed the connection`);
    await expect(leavingLink.write(Buffer.from([1]))).rejects.toThrow(/link lost/);
    await expect(leavingLink.open()).rejects.toThrow(`${leavingLink.description}: an accepted connection cannot be reopened`);

    expect((await firstValueFrom(stayingLink.state$)).type).toBe('opened');
    const atStayingLink = recordBytes(stayingLink.data$);
    staying.write('still here');
    expect((await atStayingLink.waitFor(10)).toString()).toBe('still here');
  });

  it('reports a reset by the board as a lost link saying "reset"', async () => {
    const { links, port } = await started();
    const socket = await client(port);
    const link = await links.next();
    const lost = nextState(link, 'lost');
    socket.resetAndDestroy();
    const state = await lost;
    expect(state.type === 'lost' && state.error.message).toMatch(/connection reset by the remote end \(ECONNRESET\)/);
  });

  it('hands links accepted while nobody listened to the first subscriber', async () => {
    const source = await createListenLinkSource({ port: 0 });
    cleanups.push(() => source.close());
    const early = await client(source.address().port);
    const links = collect(source);
    cleanups.push(() => links.stop());
    const link = await links.next();
    expect(link.description).toMatch(new RegExp(`<- 127\\.0\\.0\\.1:${early.localPort}$`));
  });

  it('close() stops accepting, closes every link and the boards\' connections, and completes links$', async () => {
    const { source, links, port } = await started();
    const sockets = [await client(port), await client(port)];
    const accepted = [await links.next(), await links.next()];
    await source.close();
    await source.close();
    for (const link of accepted) expect((await firstValueFrom(link.state$)).type).toBe('closed');
    await Promise.all(sockets.map(closedBy));
    await links.completed;
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses a wildcard address unless allowAnyAddress is given, saying why', async () => {
    for (const host of ['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '[::]']) {
      await expect(createListenLinkSource({ host, port: 0 })).rejects.toThrow(
        /^refusing to listen on .*: that address accepts boards from any network, and a bench bridge should not be reachable from the network by accident; listen on 127\.0\.0\.1 or ::1, or pass allowAnyAddress: true/,
      );
    }
  });

  it('rejects a port already in use, naming it', async () => {
    const { port } = await started();
    await expect(createListenLinkSource({ port })).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: address in use (EADDRINUSE)`);
  });

  it('validates its options with a TypeError naming the field', async () => {
    await expect(createListenLinkSource({ port: -1 })).rejects.toThrow(/"port"/);
    await expect(createListenLinkSource({ port: 1.5 })).rejects.toThrow(TypeError);
    await expect(createListenLinkSource({ host: '', port: 0 })).rejects.toThrow(/"host"/);
  });
});
