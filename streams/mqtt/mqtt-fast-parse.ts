import { createRequire } from 'node:module';
import type { Packet } from 'mqtt-packet';
import { readFixedHeader } from './fixed-header.js';
import type { ProtocolVersion } from './mqtt-parse.js';

// The packets that make up nearly all of the traffic (PUBLISH and its acknowledgements) parsed
// here in a few property reads. mqtt-packet's streaming parser (a buffer list, a state machine,
// a dozen debug() calls and an event per packet) cost about half of a PUBLISH's time between
// the serial line and the broker socket. Whatever is not plainly well formed is left to it,
// so its results and its error messages stay the only ones there are.

interface Fields {
  cmd: string;
  retain: boolean;
  qos: number;
  dup: boolean;
  length: number;
  topic: string | null;
  payload: Buffer | null;
  messageId?: number;
}

// mqtt-packet's own packet class: a packet parsed here has the same prototype and the same
// properties, in the same order, as one it parsed.
const MqttPacket = createRequire(import.meta.url)('mqtt-packet/packet.js') as new () => Fields;

// Buffer's own decoder, which toString('utf8', start, end) ends in after two layers of
// argument checks (a tenth of a flood's CPU in the bridge went to them); the bounds here are
// already checked.
interface Utf8Sliceable extends Buffer {
  utf8Slice(start: number, end: number): string;
}

const PUBLISH = 3;
const PUBREL = 6;
// PUBACK, PUBREC, PUBREL, PUBCOMP -> mqtt-packet's name; their fixed header flags must be 0,
// except PUBREL's, 2 [MQTT-2.2.2-1].
const CONFIRMATIONS: Record<number, string> = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' };

/**
 * Where the body of one whole, well-formed 3.1 / 3.1.1 PUBLISH or PUB* acknowledgement starts
 * (its fixed header's length), or 0 for anything else: the one check behind both functions
 * below, so that they accept exactly the same bytes and a parse reads the header once.
 */
function commonBodyStart(bytes: Buffer, version: ProtocolVersion): number {
  if (version === 5) return 0;
  const header = readFixedHeader(bytes, 0, bytes.length);
  if (typeof header === 'string' || header.packetBytes !== bytes.length) return 0;
  const b0 = bytes[0];
  const type = b0 >> 4;
  const body = header.headerBytes;
  const length = bytes.length - body;
  if (type === PUBLISH) {
    const qos = (b0 >> 1) & 3;
    if (qos === 3 || length < 2) return 0;
    const topicEnd = body + 2 + bytes.readUInt16BE(body);
    return topicEnd + (qos > 0 ? 2 : 0) > bytes.length ? 0 : body;
  }
  if (CONFIRMATIONS[type] === undefined || (b0 & 0xf) !== (type === PUBREL ? 2 : 0) || length !== 2) return 0;
  return body;
}

const commonName = (b0: number): string => (b0 >> 4 === PUBLISH ? 'publish' : CONFIRMATIONS[b0 >> 4]);

/**
 * The name of one whole, well-formed MQTT 3.1 / 3.1.1 PUBLISH, PUBACK, PUBREC, PUBREL or
 * PUBCOMP ('publish', 'puback', ...), or undefined — for exactly the bytes parseCommonPacket
 * parses, without building the packet: where nobody looks at it (no capture, no packet
 * events, no debug log) a forwarded packet only needs to be known well formed, and its topic
 * string, payload view and packet object were a fifth of a QoS 0 flood's CPU.
 */
export function commonPacketCmd(bytes: Buffer, version: ProtocolVersion): string | undefined {
  return commonBodyStart(bytes, version) === 0 ? undefined : commonName(bytes[0]);
}

/**
 * One whole MQTT 3.1 / 3.1.1 PUBLISH, PUBACK, PUBREC, PUBREL or PUBCOMP, exactly as
 * mqtt-packet's parser makes it (the payload a view into `bytes`, as there); undefined for
 * anything else — other types, MQTT 5, bytes that are not exactly one packet, and every
 * irregular case (QoS 3, a topic or packet id cut short, wrong flags) — which is then for
 * mqtt-packet to parse or refuse. Accepts exactly what commonPacketCmd accepts.
 */
export function parseCommonPacket(bytes: Buffer, version: ProtocolVersion): Packet | undefined {
  const body = commonBodyStart(bytes, version);
  if (body === 0) return undefined;
  const b0 = bytes[0];
  const cmd = commonName(b0);
  const length = bytes.length - body;
  const p = new MqttPacket();
  p.cmd = cmd;
  if (cmd === 'publish') {
    const qos = (b0 >> 1) & 3;
    const topicEnd = body + 2 + bytes.readUInt16BE(body);
    const idBytes = qos > 0 ? 2 : 0;
    p.retain = (b0 & 1) !== 0;
    p.qos = qos;
    p.dup = (b0 & 8) !== 0;
    p.length = length;
    p.topic = (bytes as Utf8Sliceable).utf8Slice(body + 2, topicEnd);
    if (qos > 0) p.messageId = bytes.readUInt16BE(topicEnd);
    const payloadStart = topicEnd + idBytes;
    // mqtt-packet's buffer list hands out a fresh empty buffer, and a view otherwise.
    p.payload = payloadStart < bytes.length ? bytes.subarray(payloadStart) : Buffer.alloc(0);
    return p as unknown as Packet;
  }
  p.retain = false;
  p.qos = (b0 >> 1) & 3;
  p.dup = false;
  p.length = 2;
  p.messageId = bytes.readUInt16BE(body);
  return p as unknown as Packet;
}
