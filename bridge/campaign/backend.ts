import mqtt, { type MqttClient } from 'mqtt';
import type { Ledger, Qos } from './ledger.js';
import type { ChaosNames } from './chaos-app.js';

const decoder = new TextDecoder();

/**
 * The campaign's backend at the broker: one client that receives what the board publishes
 * (QoS 2, so the broker's own delivery adds no duplicates; subscribed before the board boots)
 * and, once started, publishes QoS 0/1/2 messages for the board's persistent session, at most
 * `window` unacknowledged at a time.
 */
export async function startBackend(brokerUrl: string, ledger: Ledger, names: ChaosNames, options: { window: number; intervalMs: number }) {
  const client: MqttClient = mqtt.connect(brokerUrl, { clientId: `dl7450-chaos-backend-${process.pid}`, clean: true, reconnectPeriod: 1000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (e) => reject(new Error(`the campaign's backend cannot connect to ${brokerUrl}: ${e.message}`)));
  });
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => {
    if (!topic.startsWith(`${names.up}/`)) return;
    const id = (JSON.parse(decoder.decode(payload)) as { id?: string }).id;
    if (id) ledger.arrivedAtBroker(id);
  });
  await client.subscribeAsync(`${names.up}/#`, { qos: 2 });
  let n = 0;
  let unacknowledged = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    if (stopped || unacknowledged >= options.window) return;
    const qos = (n % 3) as Qos;
    const id = `d${n++}`;
    ledger.sentDown(id, qos);
    unacknowledged++;
    client.publish(`${names.down}/${qos}`, JSON.stringify({ id }), { qos }, (error) => {
      unacknowledged--;
      if (!error) ledger.accepted(id);
    });
  };
  return {
    /** Starts publishing to the board: once its session has the subscription, or the broker keeps nothing. */
    startPublishing(): void {
      timer ??= setInterval(tick, options.intervalMs);
    },
    /** Publishes no more; what is in flight still completes. */
    stopPublishing(): void {
      stopped = true;
      clearInterval(timer);
    },
    get unacknowledged(): number {
      return unacknowledged;
    },
    close: () => client.endAsync().then(() => undefined),
  };
}
