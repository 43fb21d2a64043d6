/**
 * Exports a profile trace's MQTT packets as pcapng, so Wireshark/tshark can decode them with
 * its own MQTT dissector: an independent check of what the bridge says it tunnelled. The
 * capture shows the broker side of each board connection, as MQTT over a synthetic TCP stream.
 */
import { writeFile } from 'node:fs/promises';
import type { TraceHeader, TracePacket, TraceRecord } from './trace-format.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, LINKTYPE_RAW, sectionHeaderBlock } from './pcapng-blocks.js';
import { SyntheticTcpConnection } from './synthetic-tcp.js';

export interface PcapPacket {
  connId: number;
  dir: 'to-broker' | 'to-board';
  /** ns since t0. */
  atNs: number;
  /** The whole MQTT packet. */
  bytes: Buffer;
}

export function writePcapng(packets: PcapPacket[], options: { t0Ns: bigint; comment?: string }): Buffer {
  const blocks = [sectionHeaderBlock('dl7450-bridge', options.comment), interfaceDescriptionBlock(LINKTYPE_RAW, 'dl7450-bridge broker side')];
  const conns = new Map<number, SyntheticTcpConnection>();
  // A trace need not list packets in wire order across connections and directions; TCP
  // analysis in the reader needs time order.
  const ordered = packets.map((p, i) => ({ p, i })).sort((a, b) => a.p.atNs - b.p.atNs || a.i - b.i);
  for (const { p } of ordered) {
    let conn = conns.get(p.connId);
    if (!conn) conns.set(p.connId, (conn = new SyntheticTcpConnection(p.connId)));
    const ts = options.t0Ns + BigInt(Math.round(p.atNs));
    for (const ip of conn.segments(p.dir, p.bytes)) blocks.push(enhancedPacketBlock(0, ts, ip));
  }
  return Buffer.concat(blocks);
}

/**
 * The time a packet crossed the broker socket, which is what the capture pretends to show:
 * to the broker when socket.write() was called, to the board when the read completed it.
 * Without that stamp, the one nearest the broker.
 */
function brokerSideNs(p: TracePacket): number | undefined {
  const values = Object.values(p.stamps);
  if (values.length === 0) return undefined;
  if (p.dir === 'to-broker') return p.stamps.writeCalled ?? Math.max(...values);
  return p.stamps.brokerReceived ?? Math.min(...values);
}

/** Packets without stamps or bytes (a capture-off run) cannot be placed, so they are left out. */
export function pcapPacketsFromTrace(records: TraceRecord[]): PcapPacket[] {
  const out: PcapPacket[] = [];
  for (const r of records) {
    if (r.kind !== 'packet') continue;
    const atNs = brokerSideNs(r);
    const bytes = Buffer.from(r.raw ?? '', 'base64');
    if (atNs === undefined || bytes.length === 0) continue;
    out.push({ connId: r.conn, dir: r.dir, atNs, bytes });
  }
  return out;
}

/** `t0EpochNs`: wall-clock epoch ns at the trace's t0. Returns the number of MQTT packets written. */
export async function writePcapngFile(path: string, records: TraceRecord[], t0EpochNs: bigint): Promise<number> {
  const packets = pcapPacketsFromTrace(records);
  const header = records.find((r): r is TraceHeader => r.kind === 'header');
  const comment = header ? `dl7450-bridge trace: board ${header.board}, broker ${header.broker}, started ${header.startedAt}` : undefined;
  await writeFile(path, writePcapng(packets, { t0Ns: t0EpochNs, comment }));
  return packets.length;
}
