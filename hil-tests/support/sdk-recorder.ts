import type { Dl7450MqttClient } from '../../drivers/boards/dl7450/mqtt-module-types.js';

export type SdkEvent =
  | { type: 'connect'; rc: number; flags: Record<string, unknown>; at: number }
  | { type: 'message'; topic: string; message: Uint8Array }
  | { type: 'subscribe'; mid: number; granted: number[] }
  | { type: 'publish'; mid: number; rc: number };

/** Everything a client's callbacks saw, and a way to wait for the next matching event. */
export function recordClient(client: Dl7450MqttClient, now: () => number = Date.now) {
  const events: SdkEvent[] = [];
  const waiters: { match: (e: SdkEvent) => boolean; resolve: (e: SdkEvent) => void }[] = [];
  const push = (e: SdkEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (!w.match(e)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(e);
    }
  };
  client.on_message((topic, message) => push({ type: 'message', topic, message }));
  client.on_subscribe((mid, granted) => push({ type: 'subscribe', mid, granted }));
  client.on_publish((mid, rc) => push({ type: 'publish', mid, rc }));
  return {
    events,
    onConnect: (rc: number, flags: Record<string, unknown>) => push({ type: 'connect', rc, flags, at: now() }),
    /** The next event (from now on) matching, or one already seen if `seen` says so. */
    next<T extends SdkEvent['type']>(type: T, match: (e: Extract<SdkEvent, { type: T }>) => boolean = () => true): Promise<Extract<SdkEvent, { type: T }>> {
      return new Promise((resolve) =>
        waiters.push({ match: (e) => e.type === type && match(e as Extract<SdkEvent, { type: T }>), resolve: resolve as (e: SdkEvent) => void }),
      );
    },
    of<T extends SdkEvent['type']>(type: T): Extract<SdkEvent, { type: T }>[] {
      return events.filter((e): e is Extract<SdkEvent, { type: T }> => e.type === type);
    },
  };
}
