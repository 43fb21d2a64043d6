import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { firstValueFrom, filter } from 'rxjs';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded-broker.js';
import { attachTwinMode, type TwinMode } from './twin-mode.js';

let broker: EmbeddedBroker | undefined;
let twin: TwinMode | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  twin?.close();
  await broker?.close();
});

async function setUp(deviceId = 'dev1', desired = { interval: 5 }) {
  broker = await startEmbeddedBroker();
  twin = attachTwinMode(broker.aedes, { deviceId, desired });
  return { broker, twin };
}

async function device(id: string, subscribe = ['$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#', '$iothub/methods/POST/#']) {
  const c = await mqtt.connectAsync((broker as EmbeddedBroker).url, { clientId: id, clean: false, reconnectPeriod: 0 });
  clients.push(c);
  if (subscribe.length) await c.subscribeAsync(subscribe, { qos: 1 });
  return c;
}

const next = (c: MqttClient, prefix: string) =>
  new Promise<{ topic: string; body: string; qos: number }>((resolve) => {
    const on = (topic: string, payload: Buffer, packet: { qos: number }) => {
      if (!topic.startsWith(prefix)) return;
      c.off('message', on);
      resolve({ topic, body: payload.toString(), qos: packet.qos });
    };
    c.on('message', on);
  });

describe('the offline IoT Hub twin mode', () => {
  it('answers GET with the whole twin, each section with its $version', async () => {
    await setUp();
    const d = await device('dev1');
    const res = next(d, '$iothub/twin/res/');
    await d.publishAsync('$iothub/twin/GET/?$rid=1', '');
    const r = await res;
    expect(r.topic).toBe('$iothub/twin/res/200/?$rid=1');
    expect(JSON.parse(r.body)).toEqual({ desired: { interval: 5, $version: 1 }, reported: { $version: 1 } });
  });

  it('merges a reported patch, answers 204 with the new $version, and 400 for a bad one', async () => {
    const { twin } = await setUp();
    const d = await device('dev1');
    let res = next(d, '$iothub/twin/res/');
    await d.publishAsync('$iothub/twin/PATCH/properties/reported/?$rid=2', JSON.stringify({ fw: '1.0', battery: { level: 80, state: 'ok' } }));
    expect((await res).topic).toBe('$iothub/twin/res/204/?$rid=2&$version=2');
    res = next(d, '$iothub/twin/res/');
    await d.publishAsync('$iothub/twin/PATCH/properties/reported/?$rid=3', JSON.stringify({ battery: { state: null } }));
    expect((await res).topic).toBe('$iothub/twin/res/204/?$rid=3&$version=3');
    expect(twin.twin().reported).toEqual({ fw: '1.0', battery: { level: 80 }, $version: 3 });
    res = next(d, '$iothub/twin/res/');
    await d.publishAsync('$iothub/twin/PATCH/properties/reported/?$rid=4', 'not json');
    expect((await res).topic).toBe('$iothub/twin/res/400/?$rid=4');
    expect(twin.twin().reported.$version).toBe(3);
  });

  it('pushes desired updates with $version to the device, and only to it', async () => {
    const { twin } = await setUp();
    const d = await device('dev1');
    const other = await device('dev2');
    let leaked = 0;
    other.on('message', () => leaked++);
    const pushed = next(d, '$iothub/twin/PATCH/properties/desired/');
    expect(twin.updateDesired({ interval: 10, mode: 'eco' })).toBe(2);
    const p = await pushed;
    expect(p.topic).toBe('$iothub/twin/PATCH/properties/desired/?$version=2');
    expect(JSON.parse(p.body)).toEqual({ interval: 10, mode: 'eco', $version: 2 });
    expect(twin.twin().desired).toEqual({ interval: 10, mode: 'eco', $version: 2 });
    // A round trip on the other client proves nothing was on its way to it.
    await other.publishAsync('probe', 'x', { qos: 1 });
    expect(leaked).toBe(0);
  });

  it('runs a direct method: request to the device, its status and body back', async () => {
    const { twin } = await setUp();
    const d = await device('dev1');
    d.on('message', (topic, payload) => {
      const m = /^\$iothub\/methods\/POST\/([^/]+)\/\?\$rid=(.+)$/.exec(topic);
      if (m) void d.publishAsync(`$iothub/methods/res/201/?$rid=${m[2]}`, JSON.stringify({ method: m[1], got: JSON.parse(payload.toString()) }));
    });
    await expect(twin.invokeMethod('reboot', { delay: 1 }, 5000)).resolves.toEqual({ status: 201, payload: { method: 'reboot', got: { delay: 1 } } });
  });

  it('refuses a method at once when the device is not there, and times out when it does not answer', async () => {
    const { twin } = await setUp();
    await expect(twin.invokeMethod('reboot', {}, 5000)).rejects.toThrow(/not connected.*404/);
    await device('dev1');
    await expect(twin.invokeMethod('reboot', {}, 50)).rejects.toThrow(/no response within 50 ms/);
  });

  it('sends nothing the device did not subscribe to, at QoS 1 at most', async () => {
    await setUp();
    const d = await device('dev1', ['$iothub/twin/res/#']);
    await d.subscribeAsync('$iothub/twin/res/#', { qos: 2 });
    const res = next(d, '$iothub/twin/res/');
    await d.publishAsync('$iothub/twin/GET/?$rid=9', '');
    expect((await res).qos).toBe(1);
    await expect((twin as TwinMode).invokeMethod('m', null, 5000)).rejects.toThrow(/404/);
  });

  it('records D2C messages with their properties, and sends C2D ones', async () => {
    const { twin } = await setUp();
    const d = await device('dev1', ['devices/dev1/messages/devicebound/#']);
    const seen = firstValueFrom(twin.events$.pipe(filter((e) => e.type === 'd2c')));
    await d.publishAsync('devices/dev1/messages/events/kind=temp&%24.ct=application%2Fjson', '{"t":21}', { qos: 1 });
    await seen;
    expect(twin.d2c().map((m) => ({ ...m, payload: m.payload.toString() }))).toEqual([{ properties: { kind: 'temp', '$.ct': 'application/json' }, payload: '{"t":21}' }]);
    const c2d = next(d, 'devices/dev1/messages/devicebound/');
    await twin.sendC2D('hello', { a: 'b' });
    const m = await c2d;
    expect(m.body).toBe('hello');
    expect(m.topic).toMatch(/^devices\/dev1\/messages\/devicebound\/%24\.mid=[^&]+&%24\.to=%2Fdevices%2Fdev1%2Fmessages%2FdeviceBound&a=b$/);
  });
});
