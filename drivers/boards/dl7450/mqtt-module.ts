import { createDl7450Client, type ClientDeps } from './mqtt-client.js';
import { errorDescription, MqttError } from './mqtt-errors.js';
import type { Dl7450MqttClient, Dl7450MqttModule } from './mqtt-module-types.js';

export type { ClientDeps } from './mqtt-client.js';

export interface BootMqtt {
  /** What the app imports as `mqtt`. */
  module: Dl7450MqttModule;
  /** Power is gone: every client stops at once (no timers left, no callbacks, nothing sent). */
  halt(): void;
}

/**
 * One boot's `mqtt` module. Its clients live in the board's RAM: a new module per boot, so a
 * power cut loses every queued and in-flight message, as on the board.
 */
export function createMqttModule(deps: ClientDeps): BootMqtt {
  const clients: (Dl7450MqttClient & { halt(): void })[] = [];
  const MqttClient = function (this: unknown, brokerUrl: string, clientId: string) {
    const client = createDl7450Client(deps, brokerUrl, clientId);
    clients.push(client);
    const { halt: _internal, ...api } = client;
    return api;
  } as unknown as Dl7450MqttModule['MqttClient'];
  const module: Dl7450MqttModule = {
    QOS0: 0,
    QOS1: 1,
    QOS2: 2,
    MqttClient,
    ErrorDescription: (errno: number) => {
      if (typeof errno !== 'number' || !Number.isInteger(errno)) throw new TypeError('errno must be an int');
      return errorDescription(errno);
    },
    MqttError,
  };
  return { module, halt: () => clients.forEach((c) => c.halt()) };
}
