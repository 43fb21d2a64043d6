import type { IPublishPacket } from 'mqtt-packet';
import { createOnePacketParser } from '../../streams/mqtt/mqtt-parse.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { messageRecords, type SentMessages } from './message-records.js';
import { decodeWorkloadPayload } from './workload-payload.js';
import type { TraceLoss, TraceMessage } from './trace-format.js';

export interface MessageEnds extends SentMessages {
  dir: 'up' | 'down';
  topic: string;
}

/** The bridge's capture of each workload PUBLISH, by sequence number (first copy wins). */
export function capturesBySeq(captures: PacketCapture[], topic: string, dir: PacketCapture['dir']): Map<number, PacketCapture> {
  const parser = createOnePacketParser(4);
  const found = new Map<number, PacketCapture>();
  for (const c of captures) {
    if (c.dir !== dir || c.cmd !== 'publish') continue;
    const p = parser.parse(c.bytes);
    if (p instanceof Error || (p as IPublishPacket).topic !== topic) continue;
    const m = decodeWorkloadPayload((p as IPublishPacket).payload as Buffer);
    if (m && !found.has(m.seq)) found.set(m.seq, c);
  }
  return found;
}

/**
 * Each workload message end to end, from its scheduled time, with where the time went: the
 * schedule's own lag, then the bridge's stamps when the bridge captured the message, else
 * one stretch for the whole path. The segments telescope to latencyNs.
 */
export function workloadMessages(ends: MessageEnds, captured: Map<number, PacketCapture>, t0: bigint): { messages: TraceMessage[]; losses: TraceLoss[] } {
  return messageRecords(ends, t0, (seq, received) => {
    const c = captured.get(seq);
    if (c?.dir === 'to-broker') {
      const s = c.stamps;
      return [['board', s.serialFirst], ['serialIn', s.serialLast], ['bridgeIn', s.flushed], ['broker', received]];
    }
    if (c?.dir === 'to-board') {
      const s = c.stamps;
      return [['broker', s.brokerReceived], ['bridgeOut', s.serialQueued], ['serialOut', s.serialDrained], ['board', received]];
    }
    return [['path', received]];
  });
}
