import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestBroker, type TestBroker } from '../../hil-tests/support/test-broker.js';
import { createMqttPlugPower } from './mqtt-plug-power.js';
import { PowerError } from './power-driver.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker({ users: { bench: 's3cret-plug-pw' } });
});
afterAll(() => broker.stop());

/** A Tasmota plug as it behaves on MQTT: POWER ON/OFF/"" on cmnd/, the relay state on stat/. */
async function fakePlug(name: string, options: { stuckOff?: boolean } = {}) {
  const c: MqttClient = mqtt.connect(broker.url, { username: 'bench', password: 's3cret-plug-pw', reconnectPeriod: 0 });
  await new Promise((resolve, reject) => c.once('connect', resolve).once('error', reject));
  let relay = 'ON';
  const heard: string[] = [];
  await c.subscribeAsync(`cmnd/${name}/POWER`, { qos: 1 });
  c.on('message', (_t, payload) => {
    const cmd = payload.toString();
    heard.push(cmd || '(query)');
    if ((cmd === 'ON' && !options.stuckOff) || cmd === 'OFF') relay = cmd;
    c.publish(`stat/${name}/POWER`, relay, { qos: 1 });
  });
  return { heard, relay: () => relay, stop: () => c.endAsync() };
}

describe('mqtt plug power', () => {
  it('switches with cmnd/<name>/POWER ON|OFF, done when stat/<name>/POWER says so; an empty command reads the state', async () => {
    const plug = await fakePlug('bench-plug-3');
    const p = createMqttPlugPower({ broker: broker.url, name: 'bench-plug-3', username: 'bench', password: 's3cret-plug-pw' });
    try {
      expect(await p.state()).toBe('on');
      await p.off();
      expect(plug.relay()).toBe('OFF');
      expect(await p.state()).toBe('off');
      await p.cycle(10);
      expect(plug.relay()).toBe('ON');
      expect(plug.heard).toEqual(['(query)', 'OFF', '(query)', 'OFF', 'ON']);
    } finally {
      await p.close();
      await plug.stop();
    }
  });

  it('fails within the timeout when the plug does not answer, or answers with the wrong state, and never shows the password', async () => {
    const stuck = await fakePlug('stuck-plug', { stuckOff: true });
    const p = createMqttPlugPower({ broker: broker.url, name: 'stuck-plug', username: 'bench', password: 's3cret-plug-pw', timeoutMs: 300 });
    const silent = createMqttPlugPower({ broker: broker.url, name: 'nobody-home', username: 'bench', password: 's3cret-plug-pw', timeoutMs: 300 });
    try {
      await p.off();
      const wrong = await p.on().then(() => new Error('it succeeded'), (e: unknown) => e as Error);
      expect(wrong).toBeInstanceOf(PowerError);
      expect(wrong.message).toMatch(/mqtt plug stuck-plug at .*: no ON report on stat\/stuck-plug\/POWER within 300 ms after ON on cmnd\/stuck-plug\/POWER: is the plug online\?/);
      const offline = await silent.off().then(() => new Error('it succeeded'), (e: unknown) => e as Error);
      expect(offline.message).toMatch(/no OFF report on stat\/nobody-home\/POWER within 300 ms/);
      for (const e of [wrong, offline]) expect(e.message).not.toContain('s3cret');
    } finally {
      await p.close();
      await silent.close();
      await stuck.stop();
    }
  });

  it('names the broker when it refuses or is down, without the password', async () => {
    const refused = createMqttPlugPower({ broker: broker.url, name: 'p', username: 'bench', password: 'wrong-s3cret', timeoutMs: 2000 });
    const error = await refused.on().then(() => new Error('it succeeded'), (e: unknown) => e as Error);
    expect(error.message).toMatch(/mqtt plug p at .*: cannot reach the broker: /);
    expect(error.message).not.toContain('wrong-s3cret');
    await refused.close();
    // Credentials may be written into the URL itself: they stay out of the message too.
    const inUrl = createMqttPlugPower({ broker: broker.url.replace('://', '://plugu:PlugPW9xyz@'), name: 'p', timeoutMs: 2000 });
    const urlError = await inUrl.on().then(() => new Error('it succeeded'), (e: unknown) => e as Error);
    expect(urlError.message).toMatch(new RegExp(`mqtt plug p at ${broker.url.replace(/[.]/g, '\\.')}: cannot reach the broker: `));
    expect(urlError.message).not.toContain('PlugPW9xyz');
    await inUrl.close();
    expect(() => createMqttPlugPower({ broker: broker.url, name: 'a/b' })).toThrow(/name must be the plug's topic/);
  });
});
