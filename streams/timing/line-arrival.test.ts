import { describe, expect, it } from 'vitest';
import { filter, map, Subject } from 'rxjs';
import { deframe } from '../framing/deframe.js';
import { encodeFrame, type Frame } from '../framing/frame.js';
import { Channel, FLAG_FIRST, FLAG_LAST, FLAGS_WHOLE } from '../link/protocol.js';
import { createLineStamper, type LineStamps } from './line-arrival.js';

/** An MQTT-channel frame: connection id, then (a slice of) the packet. */
const mqttFrame = (connId: number, flags: number, body: Buffer | string, seq = 0): Frame => ({
  channel: Channel.MQTT,
  flags,
  seq,
  ack: 0,
  credit: 4,
  payload: Buffer.concat([Buffer.from([connId]), Buffer.isBuffer(body) ? body : Buffer.from(body)]),
});

const pingreq = Buffer.from([0xc0, 0x00]);
const publish = (text: string) => Buffer.concat([Buffer.from([0x30, text.length + 2, 0, 1, 0x74]), Buffer.from(text).subarray(0, text.length - 1)]);

interface Delivered {
  connId: number;
  flags: number;
  stamps: LineStamps | undefined;
}

/**
 * chunks -> stamper.chunks -> real deframe -> stamper.frames -> (the link, reduced to a map) ->
 * stamper.fragments; every LAST fragment takes its packet's stamps at once, as reassembly does.
 * The clock is a counter: each chunk is fed at a time the test chooses, and every later read
 * of the clock (the `decoded` stamp) ticks it by one.
 */
function harness(watched: () => boolean = () => true) {
  let clock = 0n;
  let reads = 0;
  const now = () => (reads++, clock++);
  const stamper = createLineStamper(now, watched);
  const line = new Subject<Buffer>();
  const delivered: Delivered[] = [];
  const events: string[] = [];
  const sub = line
    .pipe(
      stamper.chunks(),
      deframe({ maxPayload: 256 }),
      stamper.frames(),
      filter((e) => {
        events.push(e.type);
        return e.type === 'frame';
      }),
      map((e) => (e as Extract<typeof e, { type: 'frame' }>).frame),
      map((f) => ({ channel: f.channel, flags: f.flags, payload: f.payload })),
      stamper.fragments(),
    )
    .subscribe((d) => {
      const connId = d.payload[0];
      delivered.push({ connId, flags: d.flags, stamps: d.flags & FLAG_LAST ? stamper.take(connId) : undefined });
    });
  return {
    stamper,
    /** Clock reads so far. */
    reads: () => reads,
    delivered,
    events,
    /** Feeds `chunk` as if it arrived at time `at`. */
    feed(at: bigint, chunk: Buffer) {
      clock = at;
      line.next(chunk);
    },
    packets: () => delivered.filter((d) => d.stamps !== undefined).map((d) => d.stamps as LineStamps),
    done: () => sub.unsubscribe(),
  };
}

describe('createLineStamper (with the real deframe)', () => {
  it('reads no clock and stamps nothing while unwatched, and starts afresh when watched', () => {
    let watching = false;
    const h = harness(() => watching);
    const wire = encodeFrame(mqttFrame(1, FLAGS_WHOLE, publish('hello world')));
    h.feed(100n, wire.subarray(0, 4)); // this frame begins unwatched...
    watching = true;
    h.feed(200n, wire.subarray(4));
    expect(h.reads()).toBe(2); // only the watched chunk and its frame
    // ...so it starts at the first watched chunk, never at a time from before.
    expect(h.packets()).toEqual([{ serialFirst: 200n, serialLast: 200n, decoded: 201n }]);
    watching = false;
    h.feed(300n, wire);
    expect(h.reads()).toBe(2);
    expect(h.delivered.at(-1)?.stamps).toBeUndefined();
  });

  it('stamps a frame split over three chunks with the first and the third chunk times', () => {
    const h = harness();
    const wire = encodeFrame(mqttFrame(1, FLAGS_WHOLE, publish('hello world')));
    h.feed(100n, wire.subarray(0, 4));
    h.feed(200n, wire.subarray(4, 9));
    h.feed(300n, wire.subarray(9));
    const [p] = h.packets();
    expect(h.packets()).toHaveLength(1);
    expect(p.serialFirst).toBe(100n);
    expect(p.serialLast).toBe(300n);
    // The decode stamp is read after the chunk's: the counter ticked once since.
    expect(p.decoded).toBe(301n);
  });

  it('gives two frames in one chunk that chunk time', () => {
    const h = harness();
    h.feed(50n, Buffer.concat([encodeFrame(mqttFrame(1, FLAGS_WHOLE, pingreq)), encodeFrame(mqttFrame(2, FLAGS_WHOLE, pingreq))]));
    expect(h.packets().map((p) => [p.serialFirst, p.serialLast])).toEqual([
      [50n, 50n],
      [50n, 50n],
    ]);
  });

  it('starts the next frame in the NEXT chunk when a chunk ends exactly at a delimiter', () => {
    const h = harness();
    const a = encodeFrame(mqttFrame(1, FLAGS_WHOLE, pingreq));
    const b = encodeFrame(mqttFrame(2, FLAGS_WHOLE, pingreq));
    // Chunk 1 ends with a's closing 0x00 and b's opening 0x00: b's bytes all come at 900.
    h.feed(100n, Buffer.concat([a, b.subarray(0, 1)]));
    h.feed(900n, b.subarray(1));
    expect(h.packets().map((p) => [p.serialFirst, p.serialLast])).toEqual([
      [100n, 100n],
      [900n, 900n],
    ]);
  });

  it('starts the next frame in the same chunk when that chunk goes on past the delimiter', () => {
    const h = harness();
    const a = encodeFrame(mqttFrame(1, FLAGS_WHOLE, pingreq));
    const b = encodeFrame(mqttFrame(2, FLAGS_WHOLE, pingreq));
    h.feed(100n, Buffer.concat([a, b.subarray(0, 3)]));
    h.feed(900n, b.subarray(3));
    expect(h.packets().map((p) => [p.serialFirst, p.serialLast])).toEqual([
      [100n, 100n],
      [100n, 900n],
    ]);
  });

  it('takes a fragmented packet from its FIRST fragment to its LAST', () => {
    const h = harness();
    const packet = publish('a packet cut into three fragments');
    h.feed(10n, encodeFrame(mqttFrame(4, FLAG_FIRST, packet.subarray(0, 10), 0)));
    h.feed(20n, encodeFrame(mqttFrame(4, 0, packet.subarray(10, 20), 1)));
    const last = encodeFrame(mqttFrame(4, FLAG_LAST, packet.subarray(20), 2));
    h.feed(30n, last.subarray(0, 5));
    h.feed(40n, last.subarray(5));
    expect(h.delivered.map((d) => d.flags)).toEqual([FLAG_FIRST, 0, FLAG_LAST]);
    expect(h.packets()).toEqual([{ serialFirst: 10n, serialLast: 40n, decoded: 41n }]);
  });

  it('hands each packet its stamps once: take() then undefined', () => {
    let clock = 0n;
    const stamper = createLineStamper(() => clock++);
    const line = new Subject<Buffer>();
    line
      .pipe(stamper.chunks(), deframe({ maxPayload: 64 }), stamper.frames(), filter((e) => e.type === 'frame'), map((e) => (e as Extract<typeof e, { type: 'frame' }>).frame), stamper.fragments())
      .subscribe();
    expect(stamper.take(9)).toBeUndefined();
    clock = 70n;
    line.next(encodeFrame(mqttFrame(9, FLAGS_WHOLE, pingreq)));
    expect(stamper.take(8)).toBeUndefined();
    expect(stamper.take(9)).toEqual({ serialFirst: 70n, serialLast: 70n, decoded: 71n });
    expect(stamper.take(9)).toBeUndefined();
  });

  it('keeps separate starts for two connections whose fragments interleave', () => {
    const h = harness();
    const one = publish('connection one, fragmented');
    const two = publish('connection two, fragmented');
    h.feed(100n, encodeFrame(mqttFrame(1, FLAG_FIRST, one.subarray(0, 8))));
    h.feed(200n, encodeFrame(mqttFrame(2, FLAG_FIRST, two.subarray(0, 8))));
    h.feed(300n, encodeFrame(mqttFrame(1, FLAG_LAST, one.subarray(8))));
    h.feed(400n, encodeFrame(mqttFrame(2, FLAG_LAST, two.subarray(8))));
    const byConn = Object.fromEntries(h.delivered.filter((d) => d.stamps).map((d) => [d.connId, [d.stamps?.serialFirst, d.stamps?.serialLast]]));
    expect(byConn).toEqual({ 1: [100n, 300n], 2: [200n, 400n] });
  });

  it('ignores frames on other channels and empty MQTT payloads', () => {
    const h = harness();
    const ctrl: Frame = { channel: Channel.CTRL, flags: FLAGS_WHOLE, seq: 0, ack: 0, credit: 4, payload: Buffer.from([1, 2, 3]) };
    const empty: Frame = { channel: Channel.MQTT, flags: FLAGS_WHOLE, seq: 0, ack: 0, credit: 4, payload: Buffer.alloc(0) };
    h.feed(1n, Buffer.concat([encodeFrame(ctrl), encodeFrame(empty)]));
    expect(h.stamper.take(1)).toBeUndefined();
    expect(h.stamper.take(0)).toBeUndefined();
  });

  it('starts the frame after console text at the chunk that holds it, not at the text chunk', () => {
    // A chatty board: a log line between two frames (deframe reports it as console text).
    const h = harness();
    const a = encodeFrame(mqttFrame(1, FLAGS_WHOLE, pingreq));
    const b = encodeFrame(mqttFrame(2, FLAGS_WHOLE, pingreq));
    h.feed(100n, Buffer.concat([a, Buffer.from('wifi: connected\r\n')]));
    // A second later the next frame comes, all of it in this chunk (its 0x00 ends the text).
    h.feed(1_000_000_100n, b);
    expect(h.events).toContain('console');
    const [, second] = h.packets();
    expect(second.serialFirst).toBe(1_000_000_100n);
  });

  it('starts the frame after dropped line noise at the chunk that holds it', () => {
    const h = harness();
    const a = encodeFrame(mqttFrame(1, FLAGS_WHOLE, pingreq));
    const b = encodeFrame(mqttFrame(2, FLAGS_WHOLE, pingreq));
    h.feed(100n, Buffer.concat([a, Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05])]));
    h.feed(5000n, b);
    expect(h.events).toContain('dropped');
    const [, second] = h.packets();
    expect(second.serialFirst).toBe(5000n);
  });

  it('unsubscribes from the line', () => {
    const line = new Subject<Buffer>();
    const stamper = createLineStamper(() => 1n);
    const sub = line.pipe(stamper.chunks(), deframe({ maxPayload: 64 }), stamper.frames()).subscribe();
    expect(line.observed).toBe(true);
    sub.unsubscribe();
    expect(line.observed).toBe(false);
  });
});

describe('createLineStamper (every split of a real byte stream)', () => {
  // Three whole packets (different sizes, one with zeros in it) and a fragmented one.
  const big = publish('fragmented \u0000 packet with a zero and then some more bytes');
  const frames: Frame[] = [
    mqttFrame(1, FLAGS_WHOLE, pingreq, 0),
    mqttFrame(2, FLAGS_WHOLE, Buffer.from([0x40, 0x02, 0x00, 0x07]), 1),
    mqttFrame(3, FLAG_FIRST, big.subarray(0, 20), 2),
    mqttFrame(3, 0, big.subarray(20, 40), 3),
    mqttFrame(3, FLAG_LAST, big.subarray(40), 4),
    mqttFrame(1, FLAGS_WHOLE, publish('last'), 5),
  ];
  const encoded = frames.map((f) => encodeFrame(f));
  // The board prints a log line between the second and third frame (console text for deframe).
  const text = Buffer.from('log: hi\r\n');
  const pieces = [encoded[0], encoded[1], text, ...encoded.slice(2)];
  const wire = Buffer.concat(pieces);
  /** Per frame: [offset of its first body byte (after the opening 0x00), offset of its closing 0x00]. */
  const spans: [number, number][] = [];
  for (let at = 0, i = 0; i < pieces.length; at += pieces[i].length, i++) if (pieces[i] !== text) spans.push([at + 1, at + pieces[i].length - 1]);
  // Packets: frame indexes of first and last fragment, in the order they complete.
  const packets: [number, number][] = [
    [0, 0],
    [1, 1],
    [2, 4],
    [5, 5],
  ];

  const check = (cuts: number[]) => {
    const h = harness();
    const bounds = [0, ...cuts, wire.length];
    const chunkAt: bigint[] = [];
    const timeOf = (offset: number) => chunkAt[bounds.findIndex((b, i) => offset >= b && offset < bounds[i + 1])];
    for (let i = 0; i + 1 < bounds.length; i++) {
      chunkAt.push(BigInt((i + 1) * 1000));
      h.feed(chunkAt[i], wire.subarray(bounds[i], bounds[i + 1]));
    }
    const got = h.packets();
    expect(got, `cuts ${cuts}`).toHaveLength(packets.length);
    got.forEach((p, k) => {
      const [firstFrame, lastFrame] = packets[k];
      expect(p.serialFirst <= p.serialLast && p.serialLast <= p.decoded, `ordered, packet ${k}, cuts ${cuts}`).toBe(true);
      expect(p.serialFirst, `serialFirst of packet ${k}, cuts ${cuts}`).toBe(timeOf(spans[firstFrame][0]));
      expect(p.serialLast, `serialLast of packet ${k}, cuts ${cuts}`).toBe(timeOf(spans[lastFrame][1]));
    });
    h.done();
  };

  it('holds for a cut at every offset', () => {
    for (let i = 1; i < wire.length; i++) check([i]);
  });

  it('holds for every pair of cuts (three chunks)', () => {
    for (let i = 1; i < wire.length; i++) for (let j = i + 1; j < wire.length; j++) check([i, j]);
  });

  it('holds one byte at a time', () => {
    check(Array.from({ length: wire.length - 1 }, (_, i) => i + 1));
  });
});
