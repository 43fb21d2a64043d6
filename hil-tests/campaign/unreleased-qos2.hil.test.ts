import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { startMosquitto, type Mosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { connected } from '../support/bridge-bench.js';
import { collected } from '../support/collected.js';

// The broker behaviour behind the campaigns' one real finding (docs/power-cuts.md): QoS 2
// publishes whose PUBREL never comes stay in a persistent session, and once max_inflight_messages
// (20) of them are held, Mosquitto acknowledges a new QoS 1 publish and drops it. A client that
// loses its RAM at every power cut, with clean_session fixed at 0, piles them up.

// Mosquitto itself, never the Aedes stand-in: this is about what Mosquitto does.
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(() => broker.stop());

/** A raw MQTT 3.1.1 session (clean_session 0): sends `packets` after CONNACK, returns what came back once `until` holds. */
async function session(clientId: string, packets: Packet[], until: (got: readonly Packet[]) => boolean): Promise<Packet[]> {
  const socket = net.connect(broker.port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const got = collected<Packet>();
  parser.on('packet', (p: Packet) => got.push(p));
  socket.on('data', (d: Buffer) => parser.parse(d));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: false, keepalive: 60 }));
  await got.until((g) => g.some((p) => p.cmd === 'connack'));
  for (const p of packets) socket.write(mqttPacket.generate(p));
  await got.until(until);
  socket.destroy(); // the power cut: no PUBREL, no DISCONNECT
  return got.items;
}

const count = (got: readonly Packet[], cmd: string) => got.filter((p) => p.cmd === cmd).length;

describe('Mosquitto and a session that never releases its QoS 2 publishes', () => {
  it.each([
    [19, 5],
    [20, 4],
  ])('with %i unreleased QoS 2 held, %i of 5 new QoS 1 publishes are delivered, though all 5 are acknowledged', async (held, delivered) => {
    const id = `unreleased-${held}`;
    const observer = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    await connected(observer);
    await observer.subscribeAsync(`${id}/#`, { qos: 1 });
    const seen = collected<string>();
    observer.on('message', (t) => seen.push(t));
    // One boot: QoS 2 publishes acknowledged with PUBREC, then the power goes before any PUBREL.
    const q2 = Array.from({ length: held }, (_, i): Packet => ({ cmd: 'publish', topic: `${id}/q2`, payload: Buffer.from(`${i}`), qos: 2, messageId: 100 + i, retain: false, dup: false }));
    expect(count(await session(id, q2, (g) => count(g, 'pubrec') === held), 'pubrec')).toBe(held);
    // The next boot: same session, fresh packet ids.
    const q1 = Array.from({ length: 5 }, (_, i): Packet => ({ cmd: 'publish', topic: `${id}/q1`, payload: Buffer.from(`${i}`), qos: 1, messageId: 1000 + i, retain: false, dup: false }));
    expect(count(await session(id, q1, (g) => count(g, 'puback') === 5), 'puback')).toBe(5);
    // A probe after them: everything that was going to be delivered has been.
    await observer.publishAsync(`${id}/probe`, 'p', { qos: 1 });
    await seen.until((s) => s.includes(`${id}/probe`));
    expect(seen.items.filter((t) => t === `${id}/q1`)).toHaveLength(delivered);
    expect(seen.items.filter((t) => t === `${id}/q2`)).toHaveLength(0); // never released
    observer.end(true);
  });
});
