import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { commonPacketCmd, parseCommonPacket } from './mqtt-fast-parse.js';
import { packetArb } from '../test-support/mqtt-arbitraries.js';

/** What mqtt-packet alone makes of bytes given as one whole packet: a packet, or undefined. */
function referenceParse(bytes: Buffer, version: 3 | 4 | 5): mqtt.Packet | undefined {
  const parser = mqtt.parser({ protocolVersion: version });
  const packets: mqtt.Packet[] = [];
  let failed = false;
  parser.on('packet', (p: mqtt.Packet) => packets.push(p));
  parser.on('error', () => (failed = true));
  parser.parse(bytes);
  return !failed && packets.length === 1 ? packets[0] : undefined;
}

/** The fast path either declines or gives exactly mqtt-packet's packet: class, keys and their order, values, memory. */
function expectSameAsMqttPacket(bytes: Buffer, version: 3 | 4 | 5): mqtt.Packet | undefined {
  const fast = parseCommonPacket(bytes, version);
  // The check without the packet accepts exactly the same bytes, under the same name.
  expect(commonPacketCmd(bytes, version)).toBe(fast?.cmd);
  if (fast === undefined) return undefined;
  const reference = referenceParse(bytes, version);
  expect(reference).toBeDefined();
  expect(fast).toStrictEqual(reference);
  expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(reference));
  expect(Object.keys(fast)).toEqual(Object.keys(reference as object));
  const payload = (fast as { payload?: Buffer | null }).payload;
  const refPayload = (reference as { payload?: Buffer | null }).payload;
  if (payload && refPayload && refPayload.length > 0) {
    // A view into the same bytes, as mqtt-packet gives: nothing copied, nothing extra kept.
    expect(payload.buffer).toBe(refPayload.buffer);
    expect(payload.byteOffset).toBe(refPayload.byteOffset);
  }
  return fast;
}

const header = (b0: number, remaining: number[]) => [b0, ...remaining];

describe('parseCommonPacket: PUBLISH and its acknowledgements without mqtt-packet', () => {
  it('parses every valid 3.1.1 packet it accepts exactly as mqtt-packet does, and accepts every PUBLISH and PUB* acknowledgement', () => {
    fc.assert(
      fc.property(packetArb(4), (packet) => {
        const bytes = mqtt.generate(packet, { protocolVersion: 4 });
        const fast = expectSameAsMqttPacket(bytes, 4);
        const common = ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp'].includes(packet.cmd);
        expect(fast !== undefined).toBe(common);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves MQTT 5 to mqtt-packet', () => {
    fc.assert(
      fc.property(packetArb(5), (packet) => {
        expect(parseCommonPacket(mqtt.generate(packet, { protocolVersion: 5 }), 5)).toBeUndefined();
        expect(commonPacketCmd(mqtt.generate(packet, { protocolVersion: 5 }), 5)).toBeUndefined();
      }),
    );
  });

  it('never differs from mqtt-packet on arbitrary bytes behind a PUBLISH or acknowledgement type byte', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x30, max: 0x7f }),
        fc.integer({ min: 0, max: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom(3, 4) as fc.Arbitrary<3 | 4>,
        (b0, topicBytes, rest, version) => {
          // A consistent remaining length and a topic length that mostly fits, so that the
          // body's own checks are what decides; then the same bytes with no length at all.
          const body = Buffer.from([0, topicBytes, ...rest]);
          expectSameAsMqttPacket(Buffer.from([b0, body.length, ...body]), version);
          expectSameAsMqttPacket(Buffer.from([b0, rest.length, ...rest]), version);
          expectSameAsMqttPacket(Buffer.from([b0, ...rest]), version);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('declines what is irregular, so that mqtt-packet reports it as before', () => {
    const declined: number[][] = [
      header(0x36, [0x05, 0x00, 0x01, 0x61, 0x00, 0x01]), // QoS 3
      header(0x30, [0x01, 0x00]), // topic length cut short
      header(0x30, [0x04, 0x00, 0x05, 0x61, 0x62]), // topic longer than the packet
      header(0x32, [0x04, 0x00, 0x01, 0x61, 0x00]), // QoS 1 with half a packet id
      header(0x40, [0x03, 0x00, 0x01, 0x00]), // PUBACK with a third byte
      header(0x40, [0x01, 0x00]), // PUBACK with half a packet id
      header(0x62, [0x01, 0x00]), // PUBREL with half a packet id
      header(0x60, [0x02, 0x00, 0x01]), // PUBREL without its required flags
      header(0x42, [0x02, 0x00, 0x01]), // PUBACK with flags
      header(0x30, [0x03, 0x00, 0x00]), // bytes short of the declared length
      header(0x40, [0x02, 0x00, 0x01, 0x40]), // a second packet behind the first
      header(0x30, [0xff, 0xff, 0xff, 0xff, 0x01]), // a fifth length byte
    ];
    for (const bytes of declined) {
      expect(parseCommonPacket(Buffer.from(bytes), 4)).toBeUndefined();
      expect(commonPacketCmd(Buffer.from(bytes), 4)).toBeUndefined();
    }
  });

  it('takes a QoS 0 PUBLISH with an empty topic or payload, and a non-minimal remaining length, as mqtt-packet does', () => {
    for (const bytes of [
      header(0x30, [0x02, 0x00, 0x00]),
      header(0x31, [0x03, 0x00, 0x01, 0x61]),
      header(0x3b, [0x86, 0x00, 0x00, 0x01, 0x61, 0x00, 0x07, 0x62]),
      header(0x62, [0x02, 0x12, 0x34]),
    ]) {
      expect(expectSameAsMqttPacket(Buffer.from(bytes), 4)).toBeDefined();
    }
  });
});
