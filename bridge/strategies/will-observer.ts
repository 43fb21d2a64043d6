import mqtt, { type MqttClient } from 'mqtt';

const SETTLE_MS = 60;

export interface ObservedMessage {
  topic: string;
  payload: Buffer;
  at: bigint;
}

/**
 * An MQTT client at the broker, as the backend is, subscribed to the wills a cut should bring:
 * what it receives is what the backend would. Subscribed before the cut, so a fast will is
 * never missed; its clean session keeps nothing after.
 */
export async function observeTopics(brokerUrl: string, topics: string[], onMessage: (m: ObservedMessage) => void): Promise<{ close(): Promise<void> }> {
  const client: MqttClient = mqtt.connect(brokerUrl, { clientId: `dl7450-bridge-observer-${process.pid}-${Date.now().toString(36)}`, reconnectPeriod: 0, clean: true, connectTimeout: 5000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (e) => reject(new Error(`the will observer cannot connect to ${brokerUrl}: ${e.message}`)));
  });
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => onMessage({ topic, payload, at: process.hrtime.bigint() }));
  if (topics.length) await client.subscribeAsync(topics.map((t) => ({ topic: t, qos: 1 as const })).reduce((o, t) => ({ ...o, [t.topic]: { qos: t.qos } }), {}));
  // Our kernel delays its ACK of the SUBACK (up to 40 ms on Linux); until it goes, a broker
  // that keeps Nagle on (Mosquitto's default) holds a small will back, and the cut would be
  // timed against a freshly made observer rather than a backend long connected.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return { close: () => client.endAsync(true).then(() => undefined) };
}
