import type { Duplex } from 'node:stream';
import { MqttClient, type IClientOptions } from 'mqtt';

export interface BoardMqttClients {
  /** An MQTT.js client whose every connection attempt (reconnects too) is a fresh stream. */
  create(openStream: () => Duplex, options: IClientOptions): MqttClient;
  /** Clients created and not yet ended. */
  readonly live: ReadonlySet<MqttClient>;
  /**
   * Ends every client as its app would (DISCONNECT when connected). A client still waiting for
   * acknowledgements after `graceMs` has its connection dropped instead.
   */
  endAll(graceMs: number): Promise<void>;
  /** The board lost power: clients stop without writing anything (their streams are dead). */
  abandonAll(): void;
}

export function createBoardMqttClients(): BoardMqttClients {
  const live = new Set<MqttClient>();

  // MQTT.js's end() throws on a client that never connected (manualConnect): it has no stream.
  const neverConnected = (client: MqttClient): boolean => {
    if (client.stream !== undefined) return false;
    live.delete(client);
    return true;
  };

  const endOne = (client: MqttClient, graceMs: number): Promise<void> =>
    new Promise((resolve) => {
      if (neverConnected(client)) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        // MQTT.js leaves the stream of a client that never connected open: close it too.
        client.stream?.destroy();
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      client.end(false, {}, done);
    });

  return {
    create(openStream, options) {
      // A copy: MQTT.js writes defaults (a random clientId among them) into the object it gets,
      // and the caller may use one options object for several clients.
      const client = new MqttClient(() => openStream(), { ...options });
      live.add(client);
      client.once('end', () => live.delete(client));
      return client;
    },
    live,
    async endAll(graceMs) {
      await Promise.all([...live].map((client) => endOne(client, graceMs)));
    },
    abandonAll() {
      for (const client of [...live]) if (!neverConnected(client)) client.end(true);
    },
  };
}
