import { describe, expect, it } from 'vitest';
import type { Frame } from '../framing/frame.js';
import { fragmentMqtt } from '../mqtt/mqtt-fragment.js';
import { Channel } from '../link/protocol.js';
import { createTxDrainStamper } from './tx-drain.js';

const PUBLISH = Buffer.from([0x32, 0x0a, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00, 0x07, 0x68, 0x69, 0x21]); // qos1 a/b id 7 "hi!"
const PUBACK = Buffer.from([0x40, 0x02, 0x00, 0x05]);
const PUBACK_9 = Buffer.from([0x40, 0x02, 0x00, 0x09]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** The link's MQTT frames for `packet` on `connId`, cut at `mtu`. */
const framesOf = (connId: number, packet: Buffer, mtu = 256): Frame[] =>
  fragmentMqtt(connId, packet, mtu).map((f, seq) => ({ channel: Channel.MQTT, flags: f.flags, seq, ack: 0, credit: 4, payload: f.payload }));

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

function harness() {
  let clock = 0n;
  const stamper = createTxDrainStamper(() => clock);
  const drained: [string, bigint][] = [];
  return {
    stamper,
    drained,
    expect: (name: string, connId: number, packet: Buffer) => stamper.expect(connId, packet, (at) => drained.push([name, at])),
    /** Writes `frame`, the write completing at time `at`. */
    async write(frame: Frame, at: bigint) {
      const w = deferred();
      stamper.wrote(frame, w.promise);
      clock = at;
      w.resolve();
      await settle();
    },
  };
}

describe('createTxDrainStamper', () => {
  it('stamps a whole packet when the write of its frame completes, matched by first byte and size', async () => {
    const h = harness();
    h.expect('ping', 1, PINGRESP);
    const [frame] = framesOf(1, PINGRESP);
    const w = deferred();
    h.stamper.wrote(frame, w.promise);
    await settle();
    expect(h.drained).toEqual([]); // not yet written
    w.resolve();
    await settle();
    expect(h.drained).toEqual([['ping', 0n]]);
  });

  it('does not match a frame of the same first byte but another size', async () => {
    const h = harness();
    h.expect('puback', 1, PUBACK);
    await h.write(framesOf(1, Buffer.from([0x40, 0x03, 0x00, 0x05, 0x00]))[0], 10n);
    expect(h.drained).toEqual([]);
    await h.write(framesOf(1, PUBACK)[0], 20n);
    expect(h.drained).toEqual([['puback', 20n]]);
  });

  it('gives an urgent PUBACK overtaking a queued PUBLISH its own drain time', async () => {
    const h = harness();
    h.expect('publish', 1, PUBLISH);
    h.expect('puback', 1, PUBACK);
    await h.write(framesOf(1, PUBACK)[0], 100n);
    await h.write(framesOf(1, PUBLISH)[0], 250n);
    expect(h.drained).toEqual([
      ['puback', 100n],
      ['publish', 250n],
    ]);
  });

  it('matches two packets of the same shape in the order they were handed over', async () => {
    const h = harness();
    h.expect('first', 1, PUBACK);
    h.expect('second', 1, PUBACK_9);
    await h.write(framesOf(1, PUBACK_9)[0], 5n);
    await h.write(framesOf(1, PUBACK)[0], 6n);
    // Same first byte and size: the stamper cannot tell them apart and takes the oldest.
    expect(h.drained).toEqual([
      ['first', 5n],
      ['second', 6n],
    ]);
  });

  it('stamps a fragmented packet at the write of its LAST frame', async () => {
    const h = harness();
    h.expect('publish', 2, PUBLISH);
    const frames = framesOf(2, PUBLISH, 5); // mtu 5: four packet bytes a fragment
    expect(frames.length).toBe(3);
    await h.write(frames[0], 10n);
    await h.write(frames[1], 20n);
    expect(h.drained).toEqual([]);
    await h.write(frames[2], 30n);
    expect(h.drained).toEqual([['publish', 30n]]);
  });

  it('keeps connections apart', async () => {
    const h = harness();
    h.expect('one', 1, PUBACK);
    h.expect('two', 2, PUBACK);
    await h.write(framesOf(2, PUBACK)[0], 7n);
    expect(h.drained).toEqual([['two', 7n]]);
    await h.write(framesOf(3, PUBACK)[0], 8n);
    expect(h.drained).toEqual([['two', 7n]]);
  });

  it('does not count a retransmission (the same payload buffer) twice', async () => {
    const h = harness();
    h.expect('a', 1, PUBACK);
    h.expect('b', 1, PUBACK_9);
    const [frame] = framesOf(1, PUBACK);
    await h.write(frame, 10n);
    await h.write({ ...frame, seq: 9 }, 20n); // resent: same payload object
    expect(h.drained).toEqual([['a', 10n]]);
    // The second expectation is still there for the next real packet.
    await h.write(framesOf(1, PUBACK_9)[0], 30n);
    expect(h.drained).toEqual([
      ['a', 10n],
      ['b', 30n],
    ]);
  });

  it('never calls drained for a rejected write', async () => {
    const h = harness();
    h.expect('puback', 1, PUBACK);
    const w = deferred();
    h.stamper.wrote(framesOf(1, PUBACK)[0], w.promise);
    w.reject(new Error('port closed'));
    await settle();
    expect(h.drained).toEqual([]);
  });

  it('ignores other channels and payloads too short to hold a packet byte', async () => {
    const h = harness();
    h.expect('puback', 1, PUBACK);
    const [frame] = framesOf(1, PUBACK);
    await h.write({ ...frame, channel: Channel.CTRL, payload: Buffer.from(frame.payload) }, 1n);
    await h.write({ ...frame, payload: Buffer.from([1]) }, 2n);
    expect(h.drained).toEqual([]);
  });

  it('forget() drops what a connection expected, whole and half-written', async () => {
    const h = harness();
    h.expect('puback', 1, PUBACK);
    h.expect('publish', 1, PUBLISH);
    const frames = framesOf(1, PUBLISH, 5);
    await h.write(frames[0], 1n);
    h.stamper.forget(1);
    await h.write(frames[1], 2n);
    await h.write(frames[2], 3n);
    await h.write(framesOf(1, PUBACK)[0], 4n);
    expect(h.drained).toEqual([]);
  });

  it('caps what one connection expects at 4096, dropping the oldest', async () => {
    const h = harness();
    h.expect('oldest', 1, PINGRESP);
    for (let i = 0; i < 4096; i++) h.expect(`ack${i}`, 1, PUBACK);
    await h.write(framesOf(1, PINGRESP)[0], 1n);
    expect(h.drained).toEqual([]); // pushed out by the 4097th
    for (let i = 0; i < 4097; i++) await h.write(framesOf(1, PUBACK)[0], 2n);
    expect(h.drained).toHaveLength(4096);
    expect(h.drained[0][0]).toBe('ack0');
    expect(h.drained[4095][0]).toBe('ack4095');
  });
});
