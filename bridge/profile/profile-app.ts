import { tsApp, type BoardApp } from '../../drivers/boards/apps/board-app.js';
import { hrNow } from '../../streams/timing/clock.js';
import { decodeWorkloadPayload, encodeWorkloadPayload } from './workload-payload.js';

export interface ProfileTopics {
  clientId: string;
  up: string;
  down: string;
}

/** What the board's app shares with the profiler: it runs in the same process, on the same clock. */
export interface ProfileBoardSide {
  /** Resolves once the app is connected and subscribed to the downstream topic. */
  readonly ready: Promise<void>;
  /** Has the app publish message `seq` upstream now (stamped inside the app). */
  publish(seq: number, intended: bigint, size: number): void;
  /** Downstream messages as the app's on_message saw them: seq -> receipt time. */
  readonly received: Map<number, bigint>;
  /** publish() calls the SDK refused (its queue was full): the message is lost, and counted. */
  readonly refused: Map<number, string>;
}

/**
 * The profiler's board app, written against the SDK like any board app: one connection,
 * subscribed downstream, publishing upstream when told. The stamps it puts in each message are
 * taken just before publish() so that the SDK's own queueing is charged to the board.
 */
export function profileApp(topics: ProfileTopics, qos: number): { app: BoardApp; side: ProfileBoardSide } {
  let publishNow: ((seq: number, intended: bigint, size: number) => void) | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const received = new Map<number, bigint>();
  const refused = new Map<number, string>();
  const app = tsApp(({ mqtt }, signal) => {
    const client = new mqtt.MqttClient('tcp://profile.invalid:1883', topics.clientId);
    client.on_message((_topic, message) => {
      const at = hrNow();
      const m = decodeWorkloadPayload(message);
      if (m && !received.has(m.seq)) received.set(m.seq, at);
    });
    client.on_subscribe(() => markReady());
    client.connect((rc) => {
      if (rc === 0) client.subscribe([topics.down, qos]);
    }, { keep_alive: 30 });
    publishNow = (seq, intended, size) => {
      try {
        client.publish(topics.up, encodeWorkloadPayload(seq, intended, hrNow(), size), qos);
      } catch (error) {
        refused.set(seq, (error as Error).message);
      }
    };
    return new Promise<void>((resolve) => signal.addEventListener('abort', () => {
      publishNow = undefined;
      client.disconnect();
      resolve();
    }));
  });
  return {
    app,
    side: {
      ready,
      received,
      refused,
      publish: (seq, intended, size) => {
        if (publishNow) publishNow(seq, intended, size);
        else refused.set(seq, 'the board app is not running');
      },
    },
  };
}
