import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { FLAG_FIRST, FLAG_LAST, FLAGS_WHOLE } from '../link/protocol.js';
import { readFixedHeader, MQTT_MAX_PACKET_BYTES } from './fixed-header.js';
import { reassembleMqtt, type MqttChannelFrame } from './mqtt-reassemble.js';
import { parseMqtt } from './mqtt-parse.js';
import { splitRawMqtt } from './raw-mqtt-split.js';
import { runOperator } from '../test-support/collect.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));
const frame = (flags: number, connId: number, ...bytes: number[]): MqttChannelFrame => ({ flags, payload: Buffer.from([connId, ...bytes]) });
const show = (m: { type: string; connId?: number; error?: string; bytes?: Buffer }) =>
  m.type === 'packet' ? `P${m.connId ?? ''}:${m.bytes?.toString('hex')}` : `E${m.connId ?? ''}:${m.error}`;

describe('fixed header', () => {
  it('reads lengths up to the protocol maximum and refuses a fifth length byte', () => {
    expect(readFixedHeader(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 0, 5)).toEqual({ type: 3, headerBytes: 5, packetBytes: MQTT_MAX_PACKET_BYTES });
    expect(readFixedHeader(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 6)).toBe('malformed');
    expect(readFixedHeader(Buffer.from([0x30, 0xff]), 0, 2)).toBe('incomplete');
    expect(readFixedHeader(Buffer.from([0x00, 0x00]), 0, 2)).toBe('malformed');
  });
});

describe('reassembleMqtt (marbles)', () => {
  it('reassembles fragments per connection, interleaved between connections', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c-d-|', {
        a: frame(FLAG_FIRST, 1, 0x30, 0x04, 0x00),
        b: frame(FLAGS_WHOLE, 2, 0xc0, 0x00),
        c: frame(0, 1, 0x01, 0x61),
        d: frame(FLAG_LAST, 1, 0x42),
      });
      expectObservable(src.pipe(reassembleMqtt({ maxPacketBytes: 100 }), map(show))).toBe('---b---d-|', { b: 'P2:c000', d: 'P1:300400016142' });
    });
  });

  it('lets a whole packet overtake a fragmented one of the same connection', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c-d-|', {
        a: frame(FLAG_FIRST, 1, 0x30, 0x04, 0x00),
        b: frame(FLAGS_WHOLE, 1, 0xd0, 0x00), // PINGRESP between the PUBLISH's fragments
        c: frame(0, 1, 0x01, 0x61),
        d: frame(FLAG_LAST, 1, 0x42),
      });
      expectObservable(src.pipe(reassembleMqtt({ maxPacketBytes: 100 }), map(show))).toBe('---b---d-|', { b: 'P1:d000', d: 'P1:300400016142' });
    });
  });

  it('reports a second fragmented packet started inside the first', async () => {
    const out = await runOperator(reassembleMqtt({ maxPacketBytes: 100 }), [
      frame(FLAG_FIRST, 1, 0x30, 0x04, 0x00),
      frame(FLAG_FIRST, 1, 0x30, 0x03, 0x00),
      frame(FLAG_LAST, 1, 0x01, 0x62),
    ]);
    expect(out.map(show)).toEqual(['E1:bad-fragment', 'P1:3003000162']);
  });

  it('refuses an oversized packet at its first fragment and skips the rest of it', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c-d|', {
        a: frame(FLAG_FIRST, 1, 0x30, 0xff, 0xff, 0xff, 0x7f), // declares 256 MB
        b: frame(0, 1, 1, 2, 3),
        c: frame(FLAG_LAST, 1, 4),
        d: frame(FLAGS_WHOLE, 1, 0xd0, 0x00),
      });
      expectObservable(src.pipe(reassembleMqtt({ maxPacketBytes: 1024 }), map(show))).toBe('-a-----d|', { a: 'E1:too-large', d: 'P1:d000' });
    });
  });

  it('reports orphan continuations, length mismatches and a missing fixed header', async () => {
    const out = await runOperator(reassembleMqtt({ maxPacketBytes: 1024 }), [
      frame(FLAG_LAST, 3, 1, 2),
      frame(FLAGS_WHOLE, 3, 0x30, 0x05, 0x00),
      frame(FLAGS_WHOLE, 3, 0x30),
      { flags: FLAGS_WHOLE, payload: Buffer.alloc(0) },
      frame(FLAG_FIRST, 4, 0x30, 0x02, 0x00),
      frame(FLAG_LAST, 4, 0x01, 0x02, 0x03),
    ]);
    expect(out.map(show)).toEqual(['E3:bad-fragment', 'E3:length-mismatch', 'E3:malformed', 'E-1:malformed', 'E4:length-mismatch']);
  });
});

describe('stalled packets (virtual time)', () => {
  it('raw mode: a packet begun and never finished is an error after the stall timeout', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a-b 997ms c 999ms -|', { a: Buffer.from([0x30, 0x10, 0x00]), b: Buffer.from([0x01]), c: Buffer.from([0x61]) });
      // Progress at 3 ms and 1001 ms restarts the clock: the error comes 1000 ms after the last byte.
      expectObservable(src.pipe(splitRawMqtt({ maxPacketBytes: 100, stallTimeoutMs: 1000 }), map(show))).toBe('1000ms 1001ms s|', { s: 'E:stalled' });
    });
  });

  it('raw mode: a finished packet ends the watch, and the next unfinished one gets the whole timeout from its own first byte', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a 499ms b 2000ms -|', { a: Buffer.from([0x30, 0x03, 0x00]), b: Buffer.from([0x01, 0x61, 0x30]) });
      expectObservable(src.pipe(splitRawMqtt({ maxPacketBytes: 100, stallTimeoutMs: 1000 }), map(show))).toBe('501ms p 999ms s 1001ms |', { p: 'P:30030001' + '61', s: 'E:stalled' });
    });
  });

  it('framed: a fragmented packet left unfinished is dropped, and its late rest skipped', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a 2000ms b-c|', {
        a: frame(FLAG_FIRST, 5, 0x30, 0x04, 0x00),
        b: frame(FLAG_LAST, 5, 0x01, 0x61, 0x42),
        c: frame(FLAGS_WHOLE, 5, 0xc0, 0x00),
      });
      expectObservable(src.pipe(reassembleMqtt({ maxPacketBytes: 100, stallTimeoutMs: 500 }), map(show))).toBe('501ms s 1500ms --c|', { s: 'E5:stalled', c: 'P5:c000' });
    });
  });
});

describe('splitRawMqtt', () => {
  it('refuses an oversized packet as soon as its header is read, then discards until reset', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-a-b-|', { a: Buffer.from([0xc0, 0x00, 0x30, 0xff, 0xff, 0x7f]), b: Buffer.from([0xd0, 0x00]) });
      expectObservable(src.pipe(splitRawMqtt({ maxPacketBytes: 1000 }), map(show))).toBe('-(ab)|', { a: 'P:c000', b: 'E:too-large' });
    });
  });
});

describe('no byte sequence throws out of the MQTT operators', () => {
  it('reassemble + parse survive arbitrary frames', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ flags: fc.integer({ min: 0, max: 3 }), payload: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) })), async (frames) => {
        const reassembled = await runOperator(reassembleMqtt({ maxPacketBytes: 64 }), frames);
        const packets = reassembled.flatMap((m) => (m.type === 'packet' ? [{ connId: m.connId, bytes: m.bytes }] : []));
        const parsed = await runOperator(parseMqtt(), packets);
        expect(parsed).toHaveLength(packets.length);
        for (const m of reassembled) if (m.type === 'packet') expect(m.bytes.length).toBeLessThanOrEqual(64);
      }),
    );
  });

  it('raw split + parse survive arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a))), async (chunks) => {
        const split = await runOperator(splitRawMqtt({ maxPacketBytes: 128 }), chunks);
        expect(split.filter((e) => e.type === 'error').length).toBeLessThanOrEqual(1);
        const packets = split.flatMap((e) => (e.type === 'packet' ? [{ connId: 0, bytes: e.bytes }] : []));
        expect((await runOperator(parseMqtt(), packets)).length).toBe(packets.length);
      }),
    );
  });

  it('a parse error on one packet does not spoil the next', async () => {
    const out = await runOperator(parseMqtt(), [
      { connId: 1, bytes: Buffer.from([0x62, 0x02, 0x00]) }, // PUBREL cut short inside a valid length
      { connId: 1, bytes: Buffer.from([0xc0, 0x00]) },
    ]);
    expect(out.map((o) => (o.type === 'packet' ? o.packet.cmd : o.type))).toEqual(['error', 'pingreq']);
  });
});
