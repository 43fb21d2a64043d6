import { Observable, type OperatorFunction } from 'rxjs';
import type { FlowKind, FlowRecord, PacketCapture } from './capture-types.js';
import { flowSegments } from './flow-segments.js';

export type FlowEvent =
  | { type: 'flow'; record: FlowRecord }
  /** Still open when the captures ended: a flow whose answer never came (or not yet). */
  | { type: 'unclosed'; flow: FlowKind; connId: number; packetId?: number; packets: number };

interface Open {
  flow: FlowKind;
  packets: PacketCapture[];
  /** What closes it, or moves it on: direction and command, in order. */
  awaiting: { dir: PacketCapture['dir']; cmd: string }[];
}

const up = (cmd: string) => ({ dir: 'to-broker' as const, cmd });
const down = (cmd: string) => ({ dir: 'to-board' as const, cmd });

/** The flow a packet opens, and the packets that complete it [MQTT-3.1.1 sections 3.2-3.14]. */
function opens(p: PacketCapture): Omit<Open, 'packets'> | undefined {
  if (p.dir === 'to-broker') {
    switch (p.cmd) {
      case 'connect':
        return { flow: 'connect', awaiting: [down('connack')] };
      case 'publish':
        if (p.qos === 1) return { flow: 'publish-qos1', awaiting: [down('puback')] };
        if (p.qos === 2) return { flow: 'publish-qos2', awaiting: [down('pubrec'), up('pubrel'), down('pubcomp')] };
        return undefined;
      case 'subscribe':
        return { flow: 'subscribe', awaiting: [down('suback')] };
      case 'unsubscribe':
        return { flow: 'unsubscribe', awaiting: [down('unsuback')] };
      case 'pingreq':
        return { flow: 'ping', awaiting: [down('pingresp')] };
      default:
        return undefined;
    }
  }
  if (p.cmd !== 'publish') return undefined;
  if (p.qos === 1) return { flow: 'deliver-qos1', awaiting: [up('puback')] };
  if (p.qos === 2) return { flow: 'deliver-qos2', awaiting: [up('pubrec'), down('pubrel'), up('pubcomp')] };
  return undefined;
}

// Packet ids are per direction of origin: the board's PUBLISH 5 and the broker's PUBLISH 5 are
// two flows. Packets without an id (CONNECT, PINGREQ) have one flow at a time per connection.
const key = (connId: number, originDir: string, id: number | undefined, flow: FlowKind) =>
  id === undefined ? `${connId}/${flow}` : `${connId}/${originDir}/${id}`;

/**
 * Packet captures -> closed MQTT exchanges, per connection and packet id, each split into its
 * segments (flow-segments.ts). A new CONNECT on a connection abandons its open flows (the
 * session ended), and they are reported as unclosed when the captures complete.
 */
export function correlateFlows(): OperatorFunction<PacketCapture, FlowEvent> {
  return (source) =>
    new Observable<FlowEvent>((subscriber) => {
      const open = new Map<string, Open & { origin: string }>();
      const abandoned: FlowEvent[] = [];
      const unclosed = (o: Open, connId: number): FlowEvent => ({ type: 'unclosed', flow: o.flow, connId, packetId: o.packets[0].packetId, packets: o.packets.length });

      const advance = (p: PacketCapture): boolean => {
        const candidates = [key(p.connId, 'to-broker', p.packetId, 'connect'), key(p.connId, 'to-board', p.packetId, 'connect')];
        if (p.packetId === undefined) candidates.splice(0, 2, `${p.connId}/connect`, `${p.connId}/ping`);
        for (const k of candidates) {
          const o = open.get(k);
          const next = o?.awaiting[0];
          if (!o || !next || next.dir !== p.dir || next.cmd !== p.cmd) continue;
          o.packets.push(p);
          o.awaiting.shift();
          if (o.awaiting.length === 0) {
            open.delete(k);
            const { start, end, segments } = flowSegments(o.packets);
            const first = o.packets[0];
            subscriber.next({ type: 'flow', record: { flow: o.flow, connId: p.connId, ...(first.packetId !== undefined && { packetId: first.packetId }), start, end, totalNs: Number(end - start), segments } });
          }
          return true;
        }
        return false;
      };

      return source.subscribe({
        next(p) {
          if (p.dir === 'to-broker' && p.cmd === 'connect') {
            for (const [k, o] of open) if (k.startsWith(`${p.connId}/`)) (abandoned.push(unclosed(o, p.connId)), open.delete(k));
          }
          if (advance(p)) return;
          const started = opens(p);
          if (started) open.set(key(p.connId, p.dir, p.packetId, started.flow), { ...started, origin: p.dir, packets: [p] });
        },
        error: (e) => subscriber.error(e),
        complete() {
          for (const e of abandoned) subscriber.next(e);
          for (const [k, o] of open) subscriber.next(unclosed(o, Number(k.split('/')[0])));
          subscriber.complete();
        },
      });
    });
}
