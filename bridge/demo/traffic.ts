import type { MqttClient } from 'mqtt';
import { runOpenLoop } from '../profile/open-loop.js';

export type Direction = 'board -> broker' | 'broker -> board';

export interface FlowResult {
  direction: Direction;
  qos: 0 | 1 | 2;
  sent: number;
  received: number;
  duplicates: number;
  latenciesMs: number[];
}

/** Counts what arrives on `topicPrefix/<qos>/<seq>` and how long each message took. */
export function createReceiver(client: MqttClient, topicPrefix: string) {
  const seen = new Map<string, number>();
  const latencies = new Map<number, number[]>([[0, []], [1, []], [2, []]]);
  client.on('message', (topic, payload) => {
    if (!topic.startsWith(`${topicPrefix}/`)) return;
    const [qos] = topic.slice(topicPrefix.length + 1).split('/');
    seen.set(topic, (seen.get(topic) ?? 0) + 1);
    const sentAt = Number(payload.toString());
    if (Number.isFinite(sentAt)) latencies.get(Number(qos))?.push(Number(process.hrtime.bigint() - BigInt(sentAt)) / 1e6);
  });
  return {
    count(qos: number, sent: number): { received: number; duplicates: number } {
      let received = 0;
      let duplicates = 0;
      for (let i = 0; i < sent; i++) {
        const n = seen.get(`${topicPrefix}/${qos}/${i}`) ?? 0;
        if (n > 0) received++;
        if (n > 1) duplicates += n - 1;
      }
      return { received, duplicates };
    },
    latencies: (qos: number) => latencies.get(qos) ?? [],
    total: () => [...seen.values()].reduce((a, b) => a + b, 0),
  };
}

/** Messages per second per QoS and direction: light load, so a latency is one message's own trip. */
export const DEMO_RATE = 200;

/**
 * Publishes `count` messages per QoS, each payload its send time (hrtime, ns), paced at
 * DEMO_RATE: published all at once, each would wait behind the rest in the client's queue and
 * the latencies would measure that queue, not the path.
 */
export async function publishAll(client: MqttClient, topicPrefix: string, count: number, signal?: AbortSignal): Promise<void> {
  for (const qos of [0, 1, 2] as const) {
    const acks: Promise<unknown>[] = [];
    await runOpenLoop({
      ratePerSecond: DEMO_RATE,
      durationMs: (count * 1000) / DEMO_RATE,
      signal,
      send: (i) => {
        const ack = client.publishAsync(`${topicPrefix}/${qos}/${i}`, String(process.hrtime.bigint()), { qos });
        ack.catch(() => undefined); // seen by Promise.all below; a failure before it is not "unhandled"
        acks.push(ack);
      },
    });
    await Promise.all(acks);
    if (signal?.aborted) return;
  }
}
