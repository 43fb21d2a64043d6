/**
 * The profile trace: JSON Lines, one record a line, the header first. Times are nanoseconds
 * relative to the header's `t0` (an hrtime.bigint() value, as a decimal string) so that they
 * stay exact as JSON numbers. `dl7450-bridge report <trace>` renders a report from it alone.
 */

export const TRACE_FORMAT = 'dl7450-bridge-trace';
export const TRACE_VERSION = 1;

export interface TraceHeader {
  kind: 'header';
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  /** hrtime.bigint() at the trace's zero, decimal. */
  t0: string;
  /** Wall-clock time at t0, ISO 8601. */
  startedAt: string;
  /** Wall-clock time at t0 in ns since the Unix epoch, decimal (pcapng timestamps). */
  t0EpochNs: string;
  board: string;
  broker: string;
  workload: TraceWorkload;
  /**
   * Board clock vs the host's: 'same-clock' (a virtual board stamps on the host's clock) or
   * 'time-sync' (NTP-style exchange on the link's TIME channel: board = host + offset, ± bound).
   */
  clock: { source: 'same-clock' | 'time-sync'; offsetNs: number; boundNs: number; samples: number };
  /** The bridge's stamps were taken (false in the capture-off run of the overhead benchmark). */
  capture: boolean;
  /** Set when the run was stopped early (Ctrl-C): the workload's schedule was cut short. */
  interrupted?: { messagesSent: number };
}

export interface TraceWorkload {
  /** Messages per second, per direction, on an open-loop schedule. */
  rate: number;
  /** Payload sizes in bytes, used in turn. */
  sizes: number[];
  qos: 0 | 1 | 2;
  /** echo: round trips through a board running echo_app.py (a physical board, or sim). */
  direction: 'up' | 'down' | 'both' | 'echo';
  durationMs: number;
}

/** One MQTT packet through the bridge; stamps as in streams/timing/capture-types.ts. */
export interface TracePacket {
  kind: 'packet';
  conn: number;
  dir: 'to-broker' | 'to-board';
  cmd: string;
  id?: number;
  qos?: number;
  len: number;
  /** Stamp name -> ns since t0, in time order. */
  stamps: Record<string, number>;
  /** The packet bytes, base64 (CONNECT password replaced unless the user asked for secrets). */
  raw: string;
}

/** One closed MQTT exchange: segment name -> ns; the segments sum to totalNs. */
export interface TraceFlow {
  kind: 'flow';
  flow: string;
  conn: number;
  id?: number;
  start: number;
  end: number;
  totalNs: number;
  segments: Record<string, number>;
}

/**
 * One workload message, end to end: from the time the schedule meant it to be sent (so a
 * stall is charged to every message it delayed: no coordinated omission) to its receipt.
 */
export interface TraceMessage {
  kind: 'message';
  seq: number;
  /** up: board -> host; down: host -> board; echo: host -> board -> host (echo_app.py). */
  dir: 'up' | 'down' | 'echo';
  qos: number;
  size: number;
  intended: number;
  sent: number;
  received: number;
  latencyNs: number;
  /** In time order; they sum to latencyNs. */
  segments: { name: string; ns: number }[];
}

/** Workload messages sent but never received (by the end of the drain time). */
export interface TraceLoss {
  kind: 'loss';
  seq: number;
  dir: 'up' | 'down' | 'echo';
  intended: number;
}

/** An MQTT exchange still open at the end of the run (its answer never came). */
export interface TraceUnclosed {
  kind: 'unclosed';
  flow: string;
  conn: number;
  id?: number;
  packets: number;
}

export type TraceRecord = TraceHeader | TracePacket | TraceFlow | TraceMessage | TraceLoss | TraceUnclosed;
