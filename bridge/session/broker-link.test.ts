import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createBrokerLink } from './broker-link.js';
import type { CutProfile } from './cut-profile.js';

// The cut profiles at the TCP level, against a plain loopback server standing in for the
// broker: what its socket reports is what a broker's would.

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A connected pair: the bridge's broker link and the "broker" side's socket, with what it saw. */
async function pair() {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const peer = await accepted;
  const seen: string[] = [];
  let received = Buffer.alloc(0);
  peer.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  peer.on('end', () => seen.push('end'));
  peer.on('error', (e: NodeJS.ErrnoException) => seen.push(`error ${e.code}`));
  const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
  const link = createBrokerLink(socket, { maxPacketBytes: 1 << 20, stallTimeoutMs: 30_000 });
  return { link, socket, peer, seen, closed, received: () => received };
}

const PINGREQ = Buffer.from([0xc0, 0x00]);

describe('broker link cut profiles', () => {
  it('rst resets the connection: the broker side gets ECONNRESET, and bytes still queued are not sent as data before it', async () => {
    const p = await pair();
    p.link.cut('rst' as CutProfile, 'power cut');
    await p.closed;
    expect(p.seen).toEqual(['error ECONNRESET']);
    expect((await p.link.closed).detail).toBe('power cut (cut: rst)');
  });

  it('fin flushes what was queued, then closes: the broker side reads it all, then end-of-stream', async () => {
    const p = await pair();
    p.link.write(PINGREQ);
    p.link.cut('fin', 'power cut');
    await p.closed;
    expect(p.seen).toEqual(['end']);
    expect(p.received()).toEqual(PINGREQ);
  });

  it('silent keeps the connection open and writes nothing more, until the broker gives up and closes it', async () => {
    const p = await pair();
    p.link.cut('silent', 'power cut');
    expect(p.link.write(PINGREQ)).toBe(false);
    // The broker still talks, and the bridge's side still takes it in (and drops it): had the
    // bridge closed or reset, the FIN or RST would have reached the broker side before this.
    const read = new Promise((resolve) => p.socket.once('data', resolve));
    p.peer.write(Buffer.from([0xd0, 0x00]));
    await read;
    await new Promise((resolve) => setImmediate(resolve));
    expect(p.seen).toEqual([]);
    expect(p.received().length).toBe(0);
    expect(p.link.isClosed).toBe(false);
    p.peer.destroy(); // the broker's keep-alive expired
    expect((await p.link.closed).by).toBe('bridge');
  });
});

describe('broker link hold/release (one read from the board, one write)', () => {
  const read = Buffer.from([0x30, 0x03, 0x00, 0x01, 0x61, 0x30, 0x03, 0x00, 0x01, 0x62, 0xc0, 0x00]);
  const packets = [read.subarray(0, 5), read.subarray(5, 10), read.subarray(10, 12)];
  const until = async (p: Awaited<ReturnType<typeof pair>>, bytes: number) => {
    while (p.received().length < bytes) await new Promise((resolve) => p.peer.once('data', resolve));
  };

  it('gives the socket the packets of one read as one buffer at release, in order', async () => {
    const p = await pair();
    const writes: number[] = [];
    const write = p.socket.write.bind(p.socket);
    p.socket.write = ((chunk: Buffer, ...rest: never[]) => (writes.push(chunk.length), write(chunk, ...rest))) as typeof p.socket.write;
    p.link.hold();
    for (const packet of packets) expect(p.link.write(packet)).toBe(true);
    expect(writes).toEqual([]); // nothing leaves before release
    expect(p.link.release()).toBe(true);
    expect(writes).toEqual([read.length]);
    await until(p, read.length);
    expect(p.received()).toEqual(read);
    p.link.destroy('done');
  });

  it('keeps the order around a timed write, and tells its flush time', async () => {
    const p = await pair();
    let flushedAt: bigint | undefined;
    p.link.hold();
    p.link.write(packets[0]);
    p.link.write(packets[1], (at) => (flushedAt = at));
    p.link.write(packets[2]);
    p.link.release();
    await until(p, read.length);
    expect(p.received()).toEqual(read);
    expect(typeof flushedAt).toBe('bigint');
    p.link.destroy('done');
  });

  it('lets what it holds reach the broker before a DISCONNECT\'s end, and before a fin cut', async () => {
    for (const ending of ['end', 'fin'] as const) {
      const p = await pair();
      p.link.hold();
      for (const packet of packets) p.link.write(packet);
      if (ending === 'end') p.link.end('the board disconnected');
      else p.link.cut('fin', 'power cut');
      await p.closed;
      expect(p.received()).toEqual(read);
      expect(p.seen).toEqual(['end']);
    }
  });

  it('writes at once again after release: a later lone packet waits for nothing', async () => {
    const p = await pair();
    p.link.hold();
    p.link.write(packets[0]);
    p.link.release();
    p.link.write(packets[1]);
    expect(p.socket.writableLength).toBe(0); // the kernel has it, within this turn
    await until(p, 10);
    expect(p.received()).toEqual(read.subarray(0, 10));
    p.link.destroy('done');
  });
});
