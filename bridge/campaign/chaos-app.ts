import { tsApp, type BoardApp } from '../../drivers/boards/apps/board-app.js';
import type { Ledger, MessageId, Qos } from './ledger.js';

/** The client id and topics of one campaign: its own, so campaigns sharing a broker never meet. */
export interface ChaosNames {
  clientId: string;
  up: string;
  down: string;
  will: string;
}

let campaigns = 0;

export function chaosNames(seed: number): ChaosNames {
  const run = `${seed}-${process.pid}-${++campaigns}`;
  return { clientId: `dl7450-chaos-${run}`, up: `chaos/${run}/up`, down: `chaos/${run}/down`, will: `chaos/${run}/status` };
}

export interface ChaosAppState {
  /** Boots so far; each boot's app numbers its messages u<boot>.<n>. */
  boot: number;
  /** Set at the end of a campaign: publish no more, let the rest be confirmed. */
  stopping: boolean;
}

export interface ChaosAppOptions {
  /** Most unconfirmed publishes at once: below Mosquitto's max_inflight_messages (20), which drops QoS 2 beyond it unannounced. */
  window: number;
  /** Time between publishes. */
  intervalMs: number;
}

const decoder = new TextDecoder();

/**
 * The board's app in a campaign, written against the SDK only: a persistent session with a
 * will, subscribed to the downstream topic, publishing QoS 0/1/2 in turn. What its callbacks
 * see goes into the host-side ledger, which survives the board's RAM.
 */
export function chaosApp(ledger: Ledger, state: ChaosAppState, names: ChaosNames, options: ChaosAppOptions): BoardApp {
  return tsApp(({ mqtt }, signal) => {
    const boot = ++state.boot;
    const client = new mqtt.MqttClient('tcp://chaos.example.com:1883', names.clientId);
    const pending = new Map<number, MessageId>();
    let connected = false;
    let n = 0;
    client.on_publish((mid, rc) => {
      const id = pending.get(mid);
      pending.delete(mid);
      if (id && rc === 0) ledger.confirmed(id);
    });
    client.on_message((_topic, message) => {
      const id = (JSON.parse(decoder.decode(message)) as { id?: string }).id;
      if (id) ledger.receivedByApp(id);
    });
    client.connect(
      (rc) => {
        connected = rc === 0;
        if (connected) client.subscribe([`${names.down}/#`, 2]);
      },
      { keep_alive: 10, will_topic: names.will, will_qos: 1, will_message: `boot ${boot} lost power` },
    );
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const tick = (): void => {
        if (!state.stopping && connected && pending.size < options.window) {
          const qos = (n % 3) as Qos;
          const id = `u${boot}.${n++}`;
          ledger.published(id, qos, boot);
          pending.set(client.publish(`${names.up}/${qos}`, JSON.stringify({ id }), qos), id);
        }
        timer = setTimeout(tick, options.intervalMs);
      };
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
      tick();
    });
  });
}
