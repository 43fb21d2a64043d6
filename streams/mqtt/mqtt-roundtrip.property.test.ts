import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { from, lastValueFrom, map, mergeMap, toArray } from 'rxjs';
import { deframe } from '../framing/deframe.js';
import { encodeFrame } from '../framing/frame.js';
import { Channel } from '../link/protocol.js';
import { fragmentMqtt } from './mqtt-fragment.js';
import { reassembleMqtt } from './mqtt-reassemble.js';
import { parseMqtt, type ParsedMqtt } from './mqtt-parse.js';
import { splitRawMqtt } from './raw-mqtt-split.js';
import { splitAt } from '../test-support/collect.js';
import { packetArb } from '../test-support/mqtt-arbitraries.js';

function bareParse(bytes: Buffer, version: 4 | 5): mqtt.Packet {
  const parser = mqtt.parser({ protocolVersion: version });
  let packet: mqtt.Packet | undefined;
  parser.on('packet', (p: mqtt.Packet) => (packet = p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  if (!packet) throw new Error('bare parser produced nothing');
  return packet;
}

/** Packets -> fragments -> frames -> bytes -> deframe -> reassemble -> parse. */
async function throughFramedPipeline(packets: Buffer[], mtu: number, version: 4 | 5, cuts: number[]): Promise<ParsedMqtt[]> {
  const frames = packets.flatMap((p, i) => fragmentMqtt(i % 3, p, mtu));
  const wire = Buffer.concat(frames.map((f, seq) => encodeFrame({ channel: Channel.MQTT, flags: f.flags, seq: seq & 0xff, ack: 0, credit: 1, payload: f.payload })));
  return lastValueFrom(
    from(splitAt(wire, cuts.map((c) => c % (wire.length + 1)))).pipe(
      deframe({ maxPayload: mtu }),
      mergeMap((e) => (e.type === 'frame' ? [e.frame] : [])),
      reassembleMqtt({ maxPacketBytes: 1 << 20 }),
      map((m) => {
        if (m.type === 'error') throw new Error(`reassembly: ${m.detail}`);
        return { connId: m.connId, bytes: m.bytes };
      }),
      parseMqtt({ protocolVersion: version }),
      toArray(),
    ),
  );
}

describe('MQTT over the link: decode(encode(x)) = x', () => {
  for (const version of [4, 5] as const) {
    it(`round-trips arbitrary MQTT ${version === 4 ? '3.1.1' : '5'} packets for arbitrary MTUs and chunkings`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(packetArb(version), { minLength: 1, maxLength: 12 }), fc.integer({ min: 16, max: 600 }), fc.array(fc.nat(), { maxLength: 8 }), async (packets, mtu, cuts) => {
          const encoded = packets.map((p) => mqtt.generate(p, { protocolVersion: version }));
          expect(encoded.every((b) => b.length >= 2)).toBe(true); // mqtt-packet yields [] for what it cannot encode
          const parsed = await throughFramedPipeline(encoded, mtu, version, cuts);
          expect(parsed.map((p) => p.type)).toEqual(encoded.map(() => 'packet'));
          parsed.forEach((p, i) => {
            if (p.type !== 'packet') return;
            expect(p.connId).toBe(i % 3);
            // The very bytes that went in come out, and parse as mqtt-packet alone parses them.
            expect(p.bytes.toString('hex')).toBe(encoded[i].toString('hex'));
            expect(p.packet).toEqual(bareParse(encoded[i], version));
          });
        }),
        { numRuns: 200 },
      );
    });
  }

  it('raw mode splits a plain MQTT byte stream into the same packets at any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(packetArb(4), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), async (packets, cuts) => {
        const encoded = packets.map((p) => mqtt.generate(p, { protocolVersion: 4 }));
        const stream = Buffer.concat(encoded);
        const events = await lastValueFrom(from(splitAt(stream, cuts.map((c) => c % (stream.length + 1)))).pipe(splitRawMqtt({ maxPacketBytes: 1 << 20 }), toArray()));
        expect(events.map((e) => (e.type === 'packet' ? e.bytes.toString('hex') : e.detail))).toEqual(encoded.map((b) => b.toString('hex')));
      }),
      { numRuns: 200 },
    );
  });
});
