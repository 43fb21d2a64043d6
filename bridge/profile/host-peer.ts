import mqtt, { type MqttClient } from 'mqtt';
import { hrNow } from '../../streams/timing/clock.js';
import { decodeWorkloadPayload, encodeWorkloadPayload } from './workload-payload.js';
import type { ProfileTopics } from './profile-app.js';

/** The far end of the workload: a plain MQTT client on the broker, as a cloud service would be. */
export interface HostPeer {
  /** Upstream messages received: seq -> receipt time. */
  readonly received: Map<number, bigint>;
  publish(seq: number, intended: bigint, size: number): void;
  /** Down messages: seq -> when publish() was called. */
  readonly sent: Map<number, bigint>;
  close(): Promise<void>;
}

export async function startHostPeer(brokerUrl: string, topics: ProfileTopics, qos: 0 | 1 | 2): Promise<HostPeer> {
  const client: MqttClient = mqtt.connect(brokerUrl, { clientId: `${topics.clientId}-host`, reconnectPeriod: 0, connectTimeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (e) => reject(new Error(`profile: the host client cannot reach the broker at ${brokerUrl}: ${e.message}`)));
  });
  const received = new Map<number, bigint>();
  const sent = new Map<number, bigint>();
  client.on('message', (_topic, payload) => {
    const at = hrNow();
    const m = decodeWorkloadPayload(payload);
    if (m && !received.has(m.seq)) received.set(m.seq, at);
  });
  await client.subscribeAsync(topics.up, { qos });
  return {
    received,
    sent,
    publish(seq, intended, size) {
      const at = hrNow();
      sent.set(seq, at);
      client.publish(topics.down, encodeWorkloadPayload(seq, intended, at, size), { qos });
    },
    close: () => client.endAsync(),
  };
}
