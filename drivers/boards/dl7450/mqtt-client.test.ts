import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { MqttClient } from 'mqtt';
import { createDl7450Client } from './mqtt-client.js';

describe('DL-7450 MqttClient: a power cut (halt)', () => {
  it('lets MQTT.js clear its own timers: a halted board keeps no 30 s CONNACK timer alive', async () => {
    let engine: MqttClient | undefined;
    const client = createDl7450Client(
      {
        // A line nobody answers on: the CONNECT goes out, no CONNACK comes back.
        engine: (_url, options) => (engine = new MqttClient(() => new PassThrough(), { ...options, reconnectPeriod: 0 })),
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
        maxPending: 10,
      },
      'tcp://iot.example.com:1883',
      'halt-test',
    );
    client.connect(() => undefined, { keep_alive: 30 });
    const connack = (engine as unknown as { connackTimer: NodeJS.Timeout | null }).connackTimer;
    expect(connack).not.toBeNull();
    const closed = new Promise<void>((resolve) => (engine as MqttClient).once('close', () => resolve()));
    client.halt();
    await closed;
    expect((connack as unknown as { _destroyed: boolean })._destroyed).toBe(true);
  });
});
