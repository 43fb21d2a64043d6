import { describe, expect, it } from 'vitest';
import { mergeMap, Subject } from 'rxjs';
import { deframe } from '../framing/deframe.js';
import { encodeFrame } from '../framing/frame.js';
import { Channel, FLAG_FIRST, FLAG_LAST, MAX_MTU } from '../link/protocol.js';
import { MQTT_MAX_PACKET_BYTES, MQTT_MAX_REMAINING_LENGTH } from './fixed-header.js';
import { reassembleMqtt, type MqttMessage } from './mqtt-reassemble.js';
import { parseMqtt, type ParsedMqtt } from './mqtt-parse.js';

// The link must not cap packet size below MQTT's own limit: a PUBLISH of the largest size the
// Remaining Length can express (256 MB) crosses it in MTU-sized fragments and comes out whole.
describe('a packet of the MQTT maximum size', () => {
  it('crosses the link fragmented and parses as the same PUBLISH', () => {
    const packet = Buffer.allocUnsafe(MQTT_MAX_PACKET_BYTES);
    packet.set([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x74]); // PUBLISH, length 268 435 455, topic "t"
    for (let i = 8; i < packet.length; i += 4096) packet.fill(i & 0xff, i, Math.min(i + 4096, packet.length));

    const frames = new Subject<Buffer>();
    const results: (MqttMessage | ParsedMqtt)[] = [];
    const sub = frames
      .pipe(
        deframe({ maxPayload: MAX_MTU, ownsChunks: true }),
        mergeMap((e) => (e.type === 'frame' ? [e.frame] : [])),
        reassembleMqtt({ maxPacketBytes: MQTT_MAX_PACKET_BYTES }),
        mergeMap((m) => {
          results.push(m);
          return m.type === 'packet' ? [m] : [];
        }),
        parseMqtt(),
      )
      .subscribe((p) => results.push(p));

    // Fragments are made one at a time so that only one copy of the packet is alive besides
    // the reassembled one.
    const room = MAX_MTU - 1;
    let fragments = 0;
    for (let pos = 0; pos < packet.length; pos += room) {
      const end = Math.min(pos + room, packet.length);
      const payload = Buffer.allocUnsafe(end - pos + 1);
      payload[0] = 9;
      packet.copy(payload, 1, pos, end);
      const flags = (pos === 0 ? FLAG_FIRST : 0) | (end === packet.length ? FLAG_LAST : 0);
      frames.next(encodeFrame({ channel: Channel.MQTT, flags, seq: fragments++ & 0xff, ack: 0, credit: 1, payload }));
    }
    sub.unsubscribe();

    expect(fragments).toBe(Math.ceil(MQTT_MAX_PACKET_BYTES / room));
    const [reassembled, parsed] = results;
    expect(results).toHaveLength(2);
    if (reassembled.type !== 'packet' || !('bytes' in reassembled) || parsed.type !== 'packet' || !('packet' in parsed)) {
      throw new Error(`expected a packet, got ${JSON.stringify(results.map((r) => ('error' in r ? r.error : r.type)))}`);
    }
    expect(reassembled.connId).toBe(9);
    expect(reassembled.bytes.length).toBe(MQTT_MAX_PACKET_BYTES);
    expect(reassembled.bytes.equals(packet)).toBe(true);
    expect(parsed.packet).toMatchObject({ cmd: 'publish', topic: 't', length: MQTT_MAX_REMAINING_LENGTH });
  });
});
