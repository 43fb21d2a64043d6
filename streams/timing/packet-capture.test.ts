import { describe, expect, it } from 'vitest';
import mqtt, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { toBoardCapture, toBrokerCapture } from './packet-capture.js';
import type { ToBoardStamps, ToBrokerStamps } from './capture-types.js';

const upStamps: ToBrokerStamps = { serialFirst: 1n, serialLast: 2n, decoded: 3n, parsed: 4n, writeCalled: 5n, flushed: 6n };
const downStamps: ToBoardStamps = { brokerReceived: 10n, parsed: 11n, serialQueued: 12n, serialDrained: 13n };

const parseOne = (bytes: Buffer): Packet => {
  const parser = mqtt.parser({ protocolVersion: 4 });
  let out: Packet | undefined;
  parser.on('packet', (p: Packet) => (out = p));
  parser.parse(bytes);
  if (!out) throw new Error('no packet');
  return out;
};

const connectPacket: IConnectPacket = {
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  keepalive: 60,
  clientId: 'b1',
  username: 'user',
  password: Buffer.from('s3cret-token'),
};

describe('toBrokerCapture / toBoardCapture', () => {
  it('redacts a CONNECT password in the captured bytes and keeps the original length', () => {
    const bytes = mqtt.generate(connectPacket);
    const c = toBrokerCapture(1, parseOne(bytes), bytes, upStamps);
    expect(c.bytes.includes(Buffer.from('s3cret-token'))).toBe(false);
    const back = parseOne(c.bytes) as IConnectPacket;
    expect(back.password?.toString()).toBe('<redacted>');
    expect(back.username).toBe('user');
    expect(c).toMatchObject({ dir: 'to-broker', connId: 1, cmd: 'connect', length: bytes.length, stamps: upStamps });
    expect(c).not.toHaveProperty('packetId');
    expect(c).not.toHaveProperty('qos');
  });

  it('keeps the password when asked to keep secrets', () => {
    const bytes = mqtt.generate(connectPacket);
    const c = toBrokerCapture(1, parseOne(bytes), bytes, upStamps, true);
    expect(c.bytes).toEqual(bytes);
  });

  it('copies the bytes: reusing the source buffer afterwards changes nothing', () => {
    const bytes = mqtt.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('abc'), qos: 1, messageId: 42, dup: false, retain: false });
    const copy = Buffer.from(bytes);
    const c = toBrokerCapture(2, parseOne(bytes), bytes, upStamps);
    bytes.fill(0xee);
    expect(c.bytes).toEqual(copy);
    // The same for a CONNECT kept with its secrets, and on the way to the board.
    const cb = mqtt.generate(connectPacket);
    const kept = toBrokerCapture(1, parseOne(cb), cb, upStamps, true);
    const down = toBoardCapture(3, parseOne(copy), copy, downStamps);
    cb.fill(0);
    copy.fill(0);
    expect(parseOne(kept.bytes).cmd).toBe('connect');
    expect(parseOne(down.bytes).cmd).toBe('publish');
  });

  it('records packet id and QoS of a PUBLISH, QoS 0 included, and the id of an acknowledgement', () => {
    const q1 = mqtt.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 42, dup: false, retain: false });
    expect(toBoardCapture(3, parseOne(q1), q1, downStamps)).toMatchObject({ dir: 'to-board', cmd: 'publish', packetId: 42, qos: 1, length: q1.length, stamps: downStamps });
    const q0 = mqtt.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    const c0 = toBrokerCapture(3, parseOne(q0), q0, upStamps);
    expect(c0.qos).toBe(0);
    expect(c0).not.toHaveProperty('packetId');
    const ack = mqtt.generate({ cmd: 'puback', messageId: 42 });
    const ca = toBrokerCapture(3, parseOne(ack), ack, upStamps);
    expect(ca.packetId).toBe(42);
    expect(ca).not.toHaveProperty('qos');
  });

  it('redacts on the way to the board too (a CONNECT never goes that way, but the rule is the same)', () => {
    const bytes = mqtt.generate(connectPacket);
    const c = toBoardCapture(1, parseOne(bytes), bytes, downStamps);
    expect(c.bytes.includes(Buffer.from('s3cret-token'))).toBe(false);
  });
});
