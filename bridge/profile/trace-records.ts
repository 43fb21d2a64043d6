import type { FlowRecord, PacketCapture } from '../../streams/timing/capture-types.js';
import type { TraceFlow, TracePacket } from './trace-format.js';

/** A capture as a trace line: stamps relative to t0, bytes in base64. */
export function tracePacket(c: PacketCapture, t0: bigint): TracePacket {
  const stamps: Record<string, number> = {};
  for (const [name, at] of Object.entries(c.stamps)) stamps[name] = Number((at as bigint) - t0);
  return {
    kind: 'packet',
    conn: c.connId,
    dir: c.dir,
    cmd: c.cmd,
    ...(c.packetId !== undefined && { id: c.packetId }),
    ...(c.qos !== undefined && { qos: c.qos }),
    len: c.length,
    stamps,
    raw: c.bytes.toString('base64'),
  };
}

export function traceFlow(f: FlowRecord, t0: bigint): TraceFlow {
  const segments: Record<string, number> = {};
  for (const [name, ns] of Object.entries(f.segments)) if (ns !== undefined) segments[name] = ns;
  return {
    kind: 'flow',
    flow: f.flow,
    conn: f.connId,
    ...(f.packetId !== undefined && { id: f.packetId }),
    start: Number(f.start - t0),
    end: Number(f.end - t0),
    totalNs: f.totalNs,
    segments,
  };
}
