import type { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';

/** MQTT.js declares its client a typed emitter; at run time it is a node EventEmitter. */
type Emitter = EventEmitter | MqttClient;

/**
 * The arguments of the next `name` event. Unlike events.once, an 'error' meanwhile does not
 * reject: tests of failing connections wait for 'close' after 'error'. The timeout is a safety net.
 */
export function nextEvent(source: Emitter, name: string, timeoutMs = 15_000): Promise<unknown[]> {
  const emitter = source as EventEmitter;
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(new Error(`no '${name}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.once(name, listener);
  });
}

/** Every `name` event's first argument, from now on. */
export function collectEvents<T>(source: Emitter, name: string): T[] {
  const seen: T[] = [];
  (source as EventEmitter).on(name, (arg: T) => seen.push(arg));
  return seen;
}
