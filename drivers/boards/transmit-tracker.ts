import type { Frame } from '../../streams/framing/frame.js';
import { Channel, CtrlType, FLAG_LAST } from '../../streams/link/protocol.js';
import { seqAdd } from '../../streams/link/seq.js';

export interface TransmitTracker {
  /** A new link session: sequence numbers restart at 0 and the sender's queues are empty. */
  reset(): void;
  /** A packet of this connection id was handed to the link. */
  queued(connId: number): void;
  /** The link refused a packet it had been handed (it will never be transmitted). */
  refused(connId: number): void;
  /** Every `tx` output of the endpoint. */
  transmitted(frame: Frame): void;
  /** Calls `fn` once every packet queued so far for this id has been on the line at least once. */
  whenTransmitted(connId: number, fn: () => void): void;
}

/**
 * The link's sender serves CTRL before MQTT, so a CLOSE queued behind a backlog would overtake
 * the connection's last packets (its DISCONNECT among them): the host would drop the broker
 * connection without the DISCONNECT and the broker would publish the will. CLOSE waits on this.
 * It counts, per connection id, the frames that end a packet (flag LAST, one per packet) on
 * their first transmission, told from retransmissions by their sequence number.
 */
export function createTransmitTracker(): TransmitTracker {
  let nextNewSeq = 0;
  const untransmitted = new Map<number, number>();
  const waiters = new Map<number, (() => void)[]>();

  const count = (connId: number, delta: number): void => {
    const n = (untransmitted.get(connId) ?? 0) + delta;
    if (n > 0) {
      untransmitted.set(connId, n);
      return;
    }
    untransmitted.delete(connId);
    const ready = waiters.get(connId);
    waiters.delete(connId);
    for (const fn of ready ?? []) fn();
  };

  return {
    reset() {
      nextNewSeq = 0;
      untransmitted.clear();
      waiters.clear(); // whatever they waited for died with the session
    },
    queued: (connId) => count(connId, 1),
    refused: (connId) => count(connId, -1),
    transmitted(frame) {
      const sequenced = frame.channel === Channel.MQTT || (frame.channel === Channel.CTRL && frame.payload[0] !== CtrlType.HELLO);
      if (!sequenced || frame.seq !== nextNewSeq) return; // unsequenced, or a retransmission
      nextNewSeq = seqAdd(nextNewSeq, 1);
      if (frame.channel === Channel.MQTT && (frame.flags & FLAG_LAST) !== 0) count(frame.payload[0], -1);
    },
    whenTransmitted(connId, fn) {
      if (!untransmitted.has(connId)) return fn();
      const list = waiters.get(connId);
      if (list) list.push(fn);
      else waiters.set(connId, [fn]);
    },
  };
}
