import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { Reason } from '../../streams/link/protocol.js';
import { splitAt } from '../../streams/test-support/collect.js';
import { patternBytes } from '../test-support/bytes.js';
import { failedStream, openConnectionStream } from './connection-stream.js';
import type { ConnectionEnd, ConnectionHandlers, LinkConnection } from './link-connection.js';
import { LinkConnectionError } from './link-connection-error.js';
import { collectEvents, nextEvent } from './test-support/emitter-events.js';

/** A connection that records what the stream does to it, and lets the test play the link. */
function fakeLink(options: { flowing?: boolean } = {}) {
  const sent: Buffer[] = [];
  let closes = 0;
  let handlers: ConnectionHandlers | undefined;
  const parked: (() => void)[] = [];
  const stream = openConnectionStream({
    url: 'mqtt://fake.example',
    maxPacketBytes: 1 << 20,
    whenFlowing: (fn) => (options.flowing === false ? parked.push(fn) : fn()),
    open(url, h): LinkConnection {
      handlers = h;
      return { connId: 7, url, state: 'open', send: (p) => sent.push(Buffer.from(p)), close: () => void closes++ };
    },
  });
  return {
    stream,
    sent,
    closes: () => closes,
    link: () => handlers as ConnectionHandlers,
    /** The link's congestion clears. */
    flow: () => parked.splice(0).forEach((fn) => fn()),
  };
}

const write = (stream: Duplex, bytes: Buffer): Promise<void> => new Promise((resolve, reject) => stream.write(bytes, (e) => (e ? reject(e) : resolve())));

const PACKETS = [
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'c', keepalive: 10 }),
  mqttPacket.generate({ cmd: 'publish', topic: 't/long', payload: patternBytes(300, 9), qos: 1, messageId: 1, retain: false, dup: false }),
  mqttPacket.generate({ cmd: 'pingreq' }),
  mqttPacket.generate({ cmd: 'publish', topic: 't/big', payload: patternBytes(70_000, 4), qos: 0, retain: false, dup: false }),
  mqttPacket.generate({ cmd: 'disconnect' }),
];

describe('connection stream', () => {
  it('hands the link whole packets, however the client cuts its writes', async () => {
    const all = Buffer.concat(PACKETS);
    // One byte at a time through the first packet, a cut inside a header, several packets in one write.
    const cuts = [1, 2, 3, 4, 5, PACKETS[0].length + 1, PACKETS[0].length + PACKETS[1].length + 1, all.length - 100];
    const f = fakeLink();
    for (const chunk of splitAt(all, cuts)) await write(f.stream, chunk);
    expect(f.sent.map((p) => p.toString('hex'))).toEqual(PACKETS.map((p) => p.toString('hex')));
  });

  it('passes the link packets on as bytes, in order', async () => {
    const f = fakeLink();
    const chunks: Buffer[] = collectEvents(f.stream, 'data');
    const done = nextEvent(f.stream, 'end');
    f.link().packet(PACKETS[2]);
    f.link().packet(PACKETS[1]);
    f.link().ended({ by: 'host', failed: false, reason: Reason.BROKER_CLOSED, text: 'bye' });
    await done;
    expect(Buffer.concat(chunks).equals(Buffer.concat([PACKETS[2], PACKETS[1]]))).toBe(true);
  });

  it('ends like a socket on a FIN when the broker closes: no error, then close', async () => {
    const f = fakeLink();
    const errors = collectEvents(f.stream, 'error');
    f.stream.resume();
    const closed = nextEvent(f.stream, 'close');
    f.link().ended({ by: 'host', failed: false, reason: Reason.BROKER_CLOSED, text: '' });
    await closed;
    expect(errors).toEqual([]);
  });

  it.each([
    [{ by: 'host', failed: true, reason: Reason.DNS_FAILED, text: 'no such host' }, 'EDNS_FAILED'],
    [{ by: 'host', failed: false, reason: Reason.TIMEOUT, text: 'keepalive' }, 'ETIMEOUT'],
    [{ by: 'link', failed: false, reason: Reason.LINK_RESET, text: 'link broken' }, 'ELINK_RESET'],
    [{ by: 'protocol', failed: false, reason: Reason.PROTOCOL_ERROR, text: 'bad fragment' }, 'EPROTOCOL_ERROR'],
  ] as [ConnectionEnd, string][])('fails with a coded LinkConnectionError when the connection ends by %o', async (end, code) => {
    const f = fakeLink();
    const errored = nextEvent(f.stream, 'error');
    f.link().ended(end);
    const [error] = await errored;
    expect(error).toBeInstanceOf(LinkConnectionError);
    expect(error).toMatchObject({ code, reason: end.reason, connId: 7, url: 'mqtt://fake.example' });
    expect((error as Error).message).toContain(end.text);
  });

  it('closes without an error when the board stops', async () => {
    const f = fakeLink();
    const errors = collectEvents(f.stream, 'error');
    const closed = nextEvent(f.stream, 'close');
    f.link().ended({ by: 'stopped', failed: false, reason: Reason.NORMAL, text: 'the board stopped' });
    await closed;
    expect(errors).toEqual([]);
  });

  it('closes the connection when the client ends or destroys the stream', async () => {
    const ended = fakeLink();
    ended.stream.resume();
    const finished = nextEvent(ended.stream, 'close');
    ended.stream.end();
    await finished;
    expect(ended.closes()).toBeGreaterThan(0);

    const destroyed = fakeLink();
    destroyed.stream.destroy();
    expect(destroyed.closes()).toBeGreaterThan(0);
  });

  it('holds write callbacks while the link is congested', async () => {
    const f = fakeLink({ flowing: false });
    const done = write(f.stream, PACKETS[2]);
    expect(f.sent).toHaveLength(1); // handed to the link at once...
    expect(f.stream.writableLength).toBe(PACKETS[2].length); // ...but the write is not complete
    f.flow();
    await done;
    expect(f.stream.writableLength).toBe(0);
  });

  it('fails the stream when the client writes something that is not MQTT', async () => {
    const f = fakeLink();
    const errored = nextEvent(f.stream, 'error');
    f.stream.write(Buffer.from([0x00, 0x00])); // packet type 0 is reserved
    const [error] = await errored;
    expect(error).toMatchObject({ code: 'EPROTOCOL_ERROR' });
    expect(f.sent).toEqual([]);
  });

  it('fails at once when no connection id is free, as a socket that cannot be created', async () => {
    const stream = openConnectionStream({
      url: 'mqtt://full.example',
      maxPacketBytes: 1024,
      whenFlowing: (fn) => fn(),
      open: () => {
        throw new Error('all 256 connection ids are in use');
      },
    });
    const [error] = await nextEvent(stream, 'error');
    expect(error).toMatchObject({ code: 'ETOO_MANY_CONNECTIONS' });
    expect((error as Error).message).toContain('all 256 connection ids are in use');
  });

  it('failedStream reports its error and closes', async () => {
    const stream = failedStream(Object.assign(new Error('gone'), { code: 'EGONE' }));
    const errored = nextEvent(stream, 'error');
    const closed = nextEvent(stream, 'close');
    expect((await errored)[0]).toMatchObject({ code: 'EGONE' });
    await closed;
  });
});
