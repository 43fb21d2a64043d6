import { from, lastValueFrom, toArray } from 'rxjs';
import { correlateFlows } from '../../streams/timing/flow-correlator.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import type { ClockEstimate } from '../../streams/timing/time-sync.js';
import { traceFlow, tracePacket } from './trace-records.js';
import { TRACE_FORMAT, TRACE_VERSION, type TraceHeader, type TraceLoss, type TraceMessage, type TraceRecord, type TraceWorkload } from './trace-format.js';

export interface TraceParts {
  t0: bigint;
  t0EpochNs: bigint;
  board: string;
  broker: string;
  workload: TraceWorkload;
  clockSource: TraceHeader['clock']['source'];
  clock: ClockEstimate | { error: string };
  capture: boolean;
  captures: PacketCapture[];
  messages: TraceMessage[];
  losses: TraceLoss[];
}

/** A run's records, header first: packets, the flows correlated from them, messages, losses, open flows. */
export async function buildTrace(parts: TraceParts): Promise<{ records: TraceRecord[]; unclosed: number }> {
  const { t0, clock } = parts;
  const flowEvents = await lastValueFrom(from(parts.captures).pipe(correlateFlows(), toArray()));
  const unclosed = flowEvents.flatMap((e) => (e.type === 'unclosed' ? [{ kind: 'unclosed' as const, flow: e.flow, conn: e.connId, ...(e.packetId !== undefined && { id: e.packetId }), packets: e.packets }] : []));
  const header: TraceHeader = {
    kind: 'header',
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    t0: t0.toString(),
    t0EpochNs: parts.t0EpochNs.toString(),
    startedAt: new Date(Number(parts.t0EpochNs / 1_000_000n)).toISOString(),
    board: parts.board,
    broker: parts.broker,
    workload: parts.workload,
    clock: 'error' in clock ? { source: parts.clockSource, offsetNs: 0, boundNs: 0, samples: 0 } : { source: parts.clockSource, offsetNs: clock.offsetNs, boundNs: clock.boundNs, samples: clock.samples },
    capture: parts.capture,
  };
  const records: TraceRecord[] = [
    header,
    ...parts.captures.map((c) => tracePacket(c, t0)),
    ...flowEvents.flatMap((e) => (e.type === 'flow' ? [traceFlow(e.record, t0)] : [])),
    ...parts.messages,
    ...parts.losses,
    ...unclosed,
  ];
  return { records, unclosed: unclosed.length };
}

/** The hrtime zero of a run and the wall-clock time it stands for (pcapng wants epoch times). */
export function traceZero(): { t0: bigint; t0EpochNs: bigint } {
  return { t0: process.hrtime.bigint(), t0EpochNs: BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) };
}
