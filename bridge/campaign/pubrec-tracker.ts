import type { Observable, Subscription } from 'rxjs';
import type { PacketEvent } from '../session/session-types.js';
import type { Ledger } from './ledger.js';
import type { ChaosNames } from './chaos-app.js';

const decoder = new TextDecoder();

/**
 * Watches the packets crossing the bridge for the board's PUBRECs of downstream QoS 2
 * messages: once the board has sent one, the broker owes that message no more, and a cut
 * before the board hands it to its app (at PUBREL) loses it in the board's RAM. The bridge
 * sees every packet, so the campaign can tell that loss from a broken guarantee.
 */
export function trackPubrecs(packets$: Observable<PacketEvent>, ledger: Ledger, names: ChaosNames): Subscription {
  const ids = new Map<string, string>(); // "<connId>:<messageId>" -> campaign id
  return packets$.subscribe(({ connId, direction, packet }) => {
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
