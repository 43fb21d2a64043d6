import type { Dl7450MqttClient, Dl7450MqttModule } from '../../dl7450/mqtt-module-types.js';
import type { CallbackEvent } from './rpc-codec.js';

/** The synchronous calls Python makes into the board's `mqtt` module, by op name. */
export type ModuleCalls = Record<string, (...args: unknown[]) => unknown>;

/**
 * Python clients are numbered handles here; arguments pass through unchanged so that the module,
 * not this proxy, decides what is a TypeError or an MqttError. Callbacks become events for the
 * inbox, to run in Python when the app next sleeps.
 */
export function createModuleCalls(mqtt: Dl7450MqttModule, push: (event: CallbackEvent) => void): ModuleCalls {
  const clients: Dl7450MqttClient[] = [];

  function client(handle: unknown): Dl7450MqttClient {
    const found = typeof handle === 'number' ? clients[handle] : undefined;
    if (!found) throw new Error(`no MqttClient with handle ${String(handle)} (python runtime bug)`);
    return found;
  }

  // `...rest` keeps an omitted Python argument omitted rather than passing undefined.
  return {
    constants: () => ({ QOS0: mqtt.QOS0, QOS1: mqtt.QOS1, QOS2: mqtt.QOS2 }),
    error_description: (errno) => mqtt.ErrorDescription(errno as number),
    client_new: (url, clientId) => clients.push(new mqtt.MqttClient(url as string, clientId as string)) - 1,
    connect: (handle, ...rest) => {
      const onConnect = (rc: number, flags: Record<string, unknown>): void =>
        push({ client: handle as number, kind: 'connect', args: [rc, flags ?? {}] });
      const c = client(handle);
      (c.connect as (...args: unknown[]) => void)(onConnect, ...rest);
      return null;
    },
    publish: (handle, ...rest) => (client(handle).publish as (...args: unknown[]) => number)(...rest),
    subscribe: (handle, ...rest) => (client(handle).subscribe as (...args: unknown[]) => number)(...rest),
    disconnect: (handle) => {
      client(handle).disconnect();
      return null;
    },
    on: (handle, kind) => {
      const h = handle as number;
      const c = client(h);
      if (kind === 'message') c.on_message((topic, message) => push({ client: h, kind, args: [topic, asBytes(message)] }));
      else if (kind === 'subscribe') c.on_subscribe((mid, granted) => push({ client: h, kind, args: [mid, [...granted]] }));
      else if (kind === 'publish') c.on_publish((mid, rc) => push({ client: h, kind, args: [mid, rc] }));
      else throw new Error(`unknown callback kind ${String(kind)} (python runtime bug)`);
      return null;
    },
  };
}

// on_message hands Python a bytearray whatever the module passed (a Buffer, or a string by mistake).
function asBytes(message: unknown): Uint8Array {
  if (message instanceof Uint8Array) return message;
  return new TextEncoder().encode(message == null ? '' : String(message));
}
