// Every message of a chaos campaign, each way, and what became of it. Kept on the host, so it
// outlives the board's RAM: it is the oracle the campaign is judged by.

export type Qos = 0 | 1 | 2;

/** A message's id in the campaign: "u<boot>.<n>" upstream, "d<n>" downstream. */
export type MessageId = string;

interface Up {
  qos: Qos;
  boot: number;
  /**
   * QoS 2 messages of earlier boots the broker still held for the session when this one was
   * sent (at most): they reached it, then the board lost power before its PUBREL, and its new
   * boot knows nothing of them. Mosquitto counts them against max_inflight_messages for good.
   */
  unreleased: number;
  /** on_publish(mid, 0) reached the app. */
  confirmed: boolean;
  /** Times the observer at the broker received it. */
  arrived: number;
}

interface Down {
  qos: Qos;
  /** The broker acknowledged it to the backend (PUBACK / PUBCOMP): it owes the board's session. */
  accepted: boolean;
  /** Times the board's app received it (on_message). */
  received: number;
  /**
   * The board sent PUBREC for it (the bridge saw it go by): from then on the broker owes it no
   * more, and a QoS 2 message the board's client hands to its app only at PUBREL (as MQTT.js
   * and Paho do) dies with the RAM if power goes before then.
   */
  pubrecFromBoard: boolean;
  /** The broker sent its PUBLISH again after the board's PUBREC, where MQTT 3.1.1 4.3.3 has it go on with PUBREL. */
  resentAfterPubrec: boolean;
}

export interface QosCounts {
  sent: number;
  /** Upstream: confirmed to the app; downstream: accepted by the broker. */
  acknowledged: number;
  arrived: number;
  /** Acknowledged but never arrived: a broken guarantee (QoS 1/2). */
  lost: number;
  /** Arrived more than once. */
  duplicated: number;
  /** QoS 0 messages that never arrived: counted, not failed. */
  dropped: number;
}

/** Mosquitto's default max_inflight_messages, which also caps unfinished incoming QoS 2 per client. */
export const MOSQUITTO_MAX_INFLIGHT = 20;

export interface LedgerSummary {
  /** unreleasedMax: the most QoS 2 messages of earlier boots the broker held unreleased for the session. */
  up: Record<Qos, QosCounts> & { unreleasedMax: number };
  /** lostAfterPubrec: QoS 2 messages the board acknowledged (PUBREC) and lost with its RAM: counted, not failed. */
  down: Record<Qos, QosCounts> & { lostAfterPubrec: number };
  /** Every broken guarantee, one line each (empty when the campaign passed). */
  failures: string[];
}

const emptyCounts = (): QosCounts => ({ sent: 0, acknowledged: 0, arrived: 0, lost: 0, duplicated: 0, dropped: 0 });

export function createLedger() {
  const up = new Map<MessageId, Up>();
  const down = new Map<MessageId, Down>();
  return {
    published(id: MessageId, qos: Qos, boot: number): void {
      up.set(id, { qos, boot, confirmed: false, arrived: 0, unreleased: 0 });
    },
    confirmed(id: MessageId): void {
      const m = up.get(id);
      if (m) m.confirmed = true;
    },
    /** The bridge passed `id` to the broker while the session held `unreleased` QoS 2 of earlier boots. */
    sentToBroker(id: MessageId, unreleased: number): void {
      const m = up.get(id);
      if (m) m.unreleased = Math.max(m.unreleased, unreleased);
    },
    arrivedAtBroker(id: MessageId): void {
      const m = up.get(id);
      if (m) m.arrived++;
    },
    sentDown(id: MessageId, qos: Qos): void {
      down.set(id, { qos, accepted: false, received: 0, pubrecFromBoard: false, resentAfterPubrec: false });
    },
    accepted(id: MessageId): void {
      const m = down.get(id);
      if (m) m.accepted = true;
    },
    receivedByApp(id: MessageId): void {
      const m = down.get(id);
      if (m) m.received++;
    },
    pubrecFromBoard(id: MessageId): void {
      const m = down.get(id);
      if (m) m.pubrecFromBoard = true;
    },
    /** A QoS 2 PUBLISH of `id` crossed the bridge toward the board. */
    publishToBoard(id: MessageId): void {
      const m = down.get(id);
      if (m?.pubrecFromBoard) m.resentAfterPubrec = true;
    },
    /** Upstream messages the app still waits on, in the current boot. */
    unconfirmed(boot: number): number {
      let n = 0;
      for (const m of up.values()) if (m.boot === boot && m.qos > 0 && !m.confirmed) n++;
      return n;
    },
    /** Accepted downstream messages the app has not received yet (nor acknowledged with PUBREC). */
    undelivered(): number {
      let n = 0;
      for (const m of down.values()) if (m.qos > 0 && m.accepted && m.received === 0 && !m.pubrecFromBoard) n++;
      return n;
    },
    summary(): LedgerSummary {
      const failures: string[] = [];
      const upCounts = { 0: emptyCounts(), 1: emptyCounts(), 2: emptyCounts(), unreleasedMax: 0 } as LedgerSummary['up'];
      for (const [id, m] of up) {
        const c = upCounts[m.qos];
        c.sent++;
        if (m.confirmed) c.acknowledged++;
        if (m.arrived > 0) c.arrived++;
        if (m.arrived > 1) c.duplicated++;
        if (m.qos === 0 && m.arrived === 0) c.dropped++;
        if (m.qos > 0 && m.confirmed && m.arrived === 0) {
          c.lost++;
          const why =
            m.unreleased >= MOSQUITTO_MAX_INFLIGHT
              ? `: the broker's session then held up to ${m.unreleased} QoS 2 messages of earlier boots that the board, its RAM gone, can never release; with max_inflight_messages (20) of them, Mosquitto acknowledges new publishes and drops some`
              : m.unreleased > 0
                ? ` (the broker's session then held up to ${m.unreleased} unreleased QoS 2 messages of earlier boots)`
                : '';
          failures.push(`up ${id} (QoS ${m.qos}): on_publish confirmed it, the broker never delivered it${why}`);
        }
        upCounts.unreleasedMax = Math.max(upCounts.unreleasedMax, m.unreleased);
        if (m.qos === 2 && m.arrived > 1) failures.push(`up ${id} (QoS 2): delivered ${m.arrived} times`);
      }
      const downCounts = { 0: emptyCounts(), 1: emptyCounts(), 2: emptyCounts(), lostAfterPubrec: 0 } as LedgerSummary['down'];
      for (const [id, m] of down) {
        const c = downCounts[m.qos];
        c.sent++;
        if (m.accepted) c.acknowledged++;
        if (m.received > 0) c.arrived++;
        if (m.received > 1) c.duplicated++;
        if (m.qos === 0 && m.received === 0) c.dropped++;
        const lostInRam = m.received === 0 && m.pubrecFromBoard;
        if (lostInRam) downCounts.lostAfterPubrec++;
        if (m.qos > 0 && m.accepted && m.received === 0 && !lostInRam) {
          c.lost++;
          failures.push(`down ${id} (QoS ${m.qos}): the broker accepted it for the board's session, the app never received it`);
        }
        if (m.qos === 2 && m.received > 1) {
          const why = m.resentAfterPubrec ? ': the broker sent its PUBLISH again after the board had answered it with PUBREC (MQTT 3.1.1 4.3.3: after PUBREC the sender goes on with PUBREL, and the message is the receiver\'s)' : '';
          failures.push(`down ${id} (QoS 2): the app received it ${m.received} times${why}`);
        }
      }
      return { up: upCounts, down: downCounts, failures };
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
