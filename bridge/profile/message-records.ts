import type { TraceLoss, TraceMessage } from './trace-format.js';
import { telescope } from './telescope.js';

export interface SentMessages {
  dir: TraceMessage['dir'];
  qos: number;
  /** seq -> size, for every message the schedule sent. */
  sizes: Map<number, number>;
  intended: Map<number, bigint>;
  sent: Map<number, bigint>;
  received: Map<number, bigint>;
}

/**
 * Each message sent by the schedule as a trace record, or a loss when it never arrived. `points`
 * names where its time went after the schedule's own lag, ending at its receipt; the segments
 * telescope from its intended time, so they sum to latencyNs.
 */
export function messageRecords(m: SentMessages, t0: bigint, points: (seq: number, received: bigint) => [string, bigint][]): { messages: TraceMessage[]; losses: TraceLoss[] } {
  const rel = (t: bigint) => Number(t - t0);
  const messages: TraceMessage[] = [];
  const losses: TraceLoss[] = [];
  for (const [seq, intended] of m.intended) {
    const sent = m.sent.get(seq);
    const received = m.received.get(seq);
    if (sent === undefined || received === undefined) {
      losses.push({ kind: 'loss', seq, dir: m.dir, intended: rel(intended) });
      continue;
    }
    const segments = telescope(intended, [['schedule', sent], ...points(seq, received)]);
    messages.push({ kind: 'message', seq, dir: m.dir, qos: m.qos, size: m.sizes.get(seq) ?? 0, intended: rel(intended), sent: rel(sent), received: rel(received), latencyNs: Number(received - intended), segments });
  }
  return { messages, losses };
}
