import { describe, expect, it } from 'vitest';
import mqtt, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { redactConnect } from './redact-connect.js';

const parse = (bytes: Buffer, protocolVersion = 4): Packet[] => {
  const parser = mqtt.parser({ protocolVersion });
  const out: Packet[] = [];
  parser.on('packet', (p: Packet) => out.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  return out;
};

const connect = (extra: Partial<IConnectPacket> = {}): IConnectPacket => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  keepalive: 30,
  clientId: 'board-7',
  ...extra,
});

describe('redactConnect', () => {
  it('replaces the password and keeps the username, client id, will and flags', () => {
    const secret = 'SharedAccessSignature sr=hub&sig=abc';
    const original = connect({
      username: 'hub/board-7',
      password: Buffer.from(secret),
      will: { topic: 'state/board-7', payload: Buffer.from('gone'), qos: 1, retain: true },
    });
    const bytes = redactConnect(original);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    const [p] = parse(bytes) as IConnectPacket[];
    expect(p.password?.toString()).toBe('<redacted>');
    expect(p.username).toBe('hub/board-7');
    expect(p.clientId).toBe('board-7');
    expect(p.keepalive).toBe(30);
    expect(p.clean).toBe(true);
    expect(p.will?.topic).toBe('state/board-7');
    expect(p.will?.payload.toString()).toBe('gone');
    expect([p.will?.qos, p.will?.retain]).toEqual([1, true]);
  });

  it('leaves a CONNECT without a password as it was', () => {
    const original = connect({ username: 'only-user' });
    const bytes = redactConnect(original);
    expect(bytes).toEqual(mqtt.generate(original));
    const [p] = parse(bytes) as IConnectPacket[];
    expect(p.username).toBe('only-user');
    expect(p.password).toBeUndefined();
  });

  it('does not change the packet it was given', () => {
    const password = Buffer.from('hunter2');
    const original = connect({ username: 'u', password });
    redactConnect(original);
    expect(original.password).toBe(password);
    expect(password.toString()).toBe('hunter2');
  });

  it('redacts an MQTT 5 CONNECT and keeps its properties', () => {
    const original = connect({ protocolVersion: 5, username: 'u', password: Buffer.from('k3y'), properties: { sessionExpiryInterval: 60, receiveMaximum: 10 } });
    const [p] = parse(redactConnect(original), 5) as IConnectPacket[];
    expect(p.protocolVersion).toBe(5);
    expect(p.password?.toString()).toBe('<redacted>');
    expect(p.properties).toMatchObject({ sessionExpiryInterval: 60, receiveMaximum: 10 });
  });
});
