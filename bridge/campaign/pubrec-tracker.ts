import type { Observable, Subscription } from 'rxjs';
import type { PacketEvent } from '../session/session-types.js';
import type { Ledger } from './ledger.js';
import type { ChaosNames } from './chaos-app.js';

const decoder = new TextDecoder();

/**
 * Reads the QoS 2 handshakes crossing the bridge, so that the campaign can tell a broken
 * guarantee from what a board without persistent storage does by design:
 * - downstream, the board's PUBREC: from then on the broker owes the message no more, and a
 *   cut before the board hands it to its app (at PUBREL) loses it in the board's RAM;
 * - upstream, a QoS 2 PUBLISH that reached the broker and never got its PUBREL before a cut:
 *   the broker keeps it in the session for good (the next boot knows nothing of it), until a
 *   new PUBLISH reuses its packet id. Counted from what the bridge passed on, so it is an upper
 *   bound: a reset may discard a PUBLISH the bridge had not flushed yet.
 */
export function trackPubrecs(packets$: Observable<PacketEvent>, ledger: Ledger, names: ChaosNames): Subscription {
  const ids = new Map<string, string>(); // "<connId>:<messageId>" -> campaign id
  const awaitingRel = new Set<number>(); // this connection's upstream QoS 2 sent, not yet released
  const unreleased = new Set<number>(); // left by earlier connections, held by the broker's session
  return packets$.subscribe(({ connId, direction, packet }) => {
    if (direction === 'to-broker' && packet.cmd === 'connect') {
      for (const mid of awaitingRel) unreleased.add(mid);
      awaitingRel.clear();
    } else if (direction === 'to-broker' && packet.cmd === 'pubrel') {
      awaitingRel.delete(packet.messageId as number);
    } else if (direction === 'to-broker' && packet.cmd === 'publish' && packet.topic.startsWith(`${names.up}/`)) {
      // Mosquitto drops a held message whose packet id a different PUBLISH reuses.
      if (packet.qos > 0) unreleased.delete(packet.messageId as number);
      if (packet.qos === 2) awaitingRel.add(packet.messageId as number);
      const id = (JSON.parse(decoder.decode(packet.payload as Buffer)) as { id?: string }).id;
      if (id) ledger.sentToBroker(id, unreleased.size);
      return;
    }
    if (direction === 'to-board' && packet.cmd === 'publish' && packet.qos === 2 && packet.topic.startsWith(`${names.down}/`)) {
      const id = (JSON.parse(decoder.decode(packet.payload as Buffer)) as { id?: string }).id;
      if (!id) return;
      ledger.publishToBoard(id);
      ids.set(`${connId}:${packet.messageId}`, id);
    } else if (direction === 'to-broker' && packet.cmd === 'pubrec') {
      const id = ids.get(`${connId}:${packet.messageId}`);
      if (id) ledger.pubrecFromBoard(id);
    }
  });
}
