import type { Observable, Subscription } from 'rxjs';
import { LINK_CONN_IDS, type SessionEvent } from '../session/session-types.js';

/** One MQTT client of a board, as its CONNECT said (never its password or will message). */
export interface BoardClient {
  connId: number;
  clientId: string;
  keepalive: number;
  will?: { topic: string; qos: number };
}

/**
 * The board's MQTT clients connected through the bridge right now, folded from its session
 * events: what a power cut will end, and which wills the broker then owes.
 */
export function trackBoardClients(events$: Observable<SessionEvent>): { clients(): BoardClient[]; stop(): void } {
  const clients = new Map<number, BoardClient>();
  const sub: Subscription = events$.subscribe((e) => {
    switch (e.type) {
      case 'mqtt-connect':
        clients.set(e.connId, { connId: e.connId, clientId: e.clientId, keepalive: e.keepalive, ...(e.will && { will: e.will }) });
        return;
      case 'closed':
      case 'open-failed':
      case 'cut':
        clients.delete(e.connId);
        return;
      case 'link-down':
        // One link of a listen:// board went: its connections, not the other links'.
        if (e.link === undefined) clients.clear();
        else for (const id of clients.keys()) if (Math.floor(id / LINK_CONN_IDS) === e.link) clients.delete(id);
        return;
      default:
        return;
    }
  });
  return { clients: () => [...clients.values()], stop: () => sub.unsubscribe() };
}
