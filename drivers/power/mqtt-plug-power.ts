import mqtt, { type MqttClient } from 'mqtt';
import { redactUrl } from '../redact-url.js';
import { cycleByOffOn, PowerError, type PowerDriver, type PowerState } from './power-driver.js';

export interface MqttPlugPowerOptions {
  /** The broker the plug listens on: "mqtt://192.168.1.10:1883". */
  broker: string;
  /** The plug's topic (Tasmota's %topic%): commands go to cmnd/<name>/POWER. */
  name: string;
  username?: string;
  password?: string;
  /** How long to wait for the plug's stat/<name>/POWER after a command (default 5000). */
  timeoutMs?: number;
}

type Relay = 'ON' | 'OFF';

/**
 * A Tasmota-style smart plug: ON/OFF published to cmnd/<name>/POWER, done once the plug
 * reports the same on stat/<name>/POWER, so a plug that is offline or ignores the command is
 * an error within timeoutMs rather than a silent success. An empty command asks the state.
 */
export function createMqttPlugPower(options: MqttPlugPowerOptions): PowerDriver {
  if (typeof options.name !== 'string' || !/^[^#+/\s]+$/.test(options.name)) throw new TypeError(`mqtt plug power: name must be the plug's topic, without / + # or spaces, got ${JSON.stringify(options.name)}`);
  const timeoutMs = options.timeoutMs ?? 5000;
  const command = `cmnd/${options.name}/POWER`;
  const status = `stat/${options.name}/POWER`;
  // A user:password@ part, allowed in the URL, never reaches an error.
  const description = `mqtt plug ${options.name} at ${redactUrl(options.broker)}`;
  let client: MqttClient | undefined;
  let ready: Promise<MqttClient> | undefined;
  const waiters = new Set<(relay: Relay) => void>();

  const connect = (): Promise<MqttClient> => {
    ready ??= new Promise<MqttClient>((resolve, reject) => {
      // The password stays in the client options: never in a message, an error or a log.
      const c = mqtt.connect(options.broker, { username: options.username, password: options.password, reconnectPeriod: 1000, connectTimeout: timeoutMs });
      client = c;
      c.on('message', (_topic, payload) => {
        const relay = payload.toString().trim().toUpperCase();
        if (relay === 'ON' || relay === 'OFF') for (const w of [...waiters]) w(relay);
      });
      const failed = (error: Error) => {
        ready = undefined;
        c.end(true);
        reject(new PowerError(`${description}: cannot reach the broker: ${error.message}`));
      };
      c.once('error', failed);
      c.once('connect', () => {
        c.off('error', failed);
        c.on('error', () => undefined); // reconnects on its own; commands time out meanwhile
        c.subscribe(status, { qos: 1 }, (error) => (error ? failed(error) : resolve(c)));
      });
    });
    return ready;
  };

  /** Publishes `payload` and resolves with the plug's next report (of `wanted`, when given). */
  const ask = async (payload: string, wanted?: Relay): Promise<Relay> => {
    const c = await connect();
    return new Promise<Relay>((resolve, reject) => {
      const done = (relay: Relay) => {
        if (wanted && relay !== wanted) return;
        waiters.delete(done);
        clearTimeout(timer);
        resolve(relay);
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(new PowerError(`${description}: no ${wanted ?? 'state'} report on ${status} within ${timeoutMs} ms after ${payload || 'a state query'} on ${command}: is the plug online?`));
      }, timeoutMs);
      waiters.add(done);
      c.publish(command, payload, { qos: 1 });
    });
  };

  const driver: PowerDriver = {
    description,
    on: async () => void (await ask('ON', 'ON')),
    off: async () => void (await ask('OFF', 'OFF')),
    cycle: (offMs) => cycleByOffOn(driver, offMs),
    async state(): Promise<PowerState> {
      return (await ask('')) === 'ON' ? 'on' : 'off';
    },
    async close() {
      ready = undefined;
      await client?.endAsync();
      client = undefined;
    },
  };
  return driver;
}

