import type { IPublishPacket } from 'mqtt-packet';
import { createOnePacketParser } from '../../streams/mqtt/mqtt-parse.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { messageRecords, type SentMessages } from './message-records.js';
import { decodeWorkloadPayload } from './workload-payload.js';
import { capturesBySeq } from './workload-messages.js';
import type { TraceLoss, TraceMessage } from './trace-format.js';

/** The echo command of each workload message on its way to the board, by sequence number. */
export function commandCapturesBySeq(captures: PacketCapture[], cmdTopic: string): Map<number, PacketCapture> {
  const parser = createOnePacketParser(4);
  const found = new Map<number, PacketCapture>();
  for (const c of captures) {
    if (c.dir !== 'to-board' || c.cmd !== 'publish') continue;
    const p = parser.parse(c.bytes);
    if (p instanceof Error || (p as IPublishPacket).topic !== cmdTopic) continue;
    try {
      const hex = (JSON.parse(((p as IPublishPacket).payload as Buffer).toString('utf8')) as { hex?: string }).hex;
      const m = hex ? decodeWorkloadPayload(Buffer.from(hex, 'hex')) : undefined;
      if (m && !found.has(m.seq)) found.set(m.seq, c);
    } catch {
      // Not one of ours: the bench may share the topic.
    }
  }
  return found;
}

export interface EchoEnds extends Omit<SentMessages, 'dir'> {
  cmdTopic: string;
  echoTopic: string;
}

/**
 * Round trips through a board running echo_app.py: host -> broker -> bridge -> board and back.
 * The board's own time is what lies between the command leaving the serial line and its echo
 * arriving on it, so no board clock is needed; the segments telescope to latencyNs.
 */
export function echoMessages(ends: EchoEnds, captures: PacketCapture[], t0: bigint): { messages: TraceMessage[]; losses: TraceLoss[] } {
  const down = commandCapturesBySeq(captures, ends.cmdTopic);
  const up = capturesBySeq(captures, ends.echoTopic, 'to-broker');
  return messageRecords({ ...ends, dir: 'echo' }, t0, (seq, received) => {
    const d = down.get(seq);
    const u = up.get(seq);
    if (d?.dir !== 'to-board' || u?.dir !== 'to-broker') return [['path', received]];
    return [
      ['broker', d.stamps.brokerReceived],
      ['bridgeOut', d.stamps.serialQueued],
      ['serialOut', d.stamps.serialDrained],
      ['board', u.stamps.serialFirst],
      ['serialIn', u.stamps.serialLast],
      ['bridgeIn', u.stamps.flushed],
      ['brokerBack', received],
    ];
  });
}
