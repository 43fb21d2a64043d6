import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Packet } from 'mqtt-packet';
import { serializeMqtt } from './mqtt-serialize.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));
const show = (o: { type: string; connId: number; bytes?: Buffer; detail?: string }) =>
  o.type === 'bytes' ? `${o.connId}:${o.bytes?.toString('hex')}` : `E${o.connId}:${o.detail}`;

describe('serializeMqtt (marbles)', () => {
  it('encodes each packet at its connection\'s protocol level', () => {
    ts().run(({ cold, expectObservable }) => {
      const puback = { cmd: 'puback', messageId: 1, reasonCode: 0x10 } as Packet;
      const src = cold('-a-b-|', { a: { connId: 1, packet: puback }, b: { connId: 2, packet: puback } });
      const out = src.pipe(serializeMqtt((c) => (c === 1 ? 4 : 5)), map(show));
      // 3.1.1 has no reason code; MQTT 5 carries it.
      expectObservable(out).toBe('-a-b-|', { a: '1:40020001', b: '2:400400011000' });
    });
  });

  it('reports a packet it cannot encode instead of throwing or sending nothing', () => {
    ts().run(({ cold, expectObservable }) => {
      const bad = { cmd: 'publish', topic: 'a', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false, properties: { userProperties: {} } } as Packet;
      const src = cold('-a-|', { a: { connId: 3, packet: bad } });
      expectObservable(src.pipe(serializeMqtt(() => 5), map((o) => o.type))).toBe('-e-|', { e: 'error' });
    });
  });
});
