import { TRACE_FORMAT, TRACE_VERSION, type TraceFlow, type TraceHeader, type TraceMessage, type TraceRecord } from '../trace-format.js';

/** Deterministic, so that a failing percentile check names the same numbers every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function syntheticHeader(overrides: Partial<TraceHeader> = {}): TraceHeader {
  return {
    kind: 'header',
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    t0: '123456789000000',
    startedAt: '2026-01-02T03:04:05.000Z',
    t0EpochNs: '1767323045000000000',
    board: 'virtual DL-7450',
    broker: 'tcp://127.0.0.1:1883',
    workload: { rate: 100, sizes: [16, 256], qos: 1, direction: 'both', durationMs: 3000 },
    clock: { source: 'time-sync', offsetNs: 12_345, boundNs: 2_100, samples: 16 },
    capture: true,
    ...overrides,
  };
}

const MESSAGE_SEGMENTS = ['board', 'serialIn', 'bridgeIn', 'broker', 'bridgeOut'];
const FLOW_SEGMENTS = ['serialIn', 'bridgeIn', 'broker', 'bridgeOut', 'serialOut'];

/** Spread over four decades with a few outliers, so that p99.9 and max differ from p50. */
function latency(rand: () => number): number {
  const base = 2_000 + rand() * 40_000;
  return Math.round(rand() < 0.01 ? base * 50 : base * (1 + rand() * rand() * 10));
}

export interface SyntheticTraceOptions {
  messages?: number;
  flows?: number;
  losses?: number;
  seed?: number;
  header?: Partial<TraceHeader>;
}

/** A header, then messages (up qos1, down qos0 in turn), flows, packets and losses; segments sum to the totals. */
export function syntheticTrace(options: SyntheticTraceOptions = {}): TraceRecord[] {
  const rand = random(options.seed ?? 1);
  const records: TraceRecord[] = [syntheticHeader(options.header)];
  for (let seq = 0; seq < (options.messages ?? 300); seq++) {
    const segments = MESSAGE_SEGMENTS.map((name) => ({ name, ns: latency(rand) }));
    const latencyNs = segments.reduce((sum, s) => sum + s.ns, 0);
    const intended = seq * 10_000_000;
    const up = seq % 2 === 0;
    const message: TraceMessage = { kind: 'message', seq, dir: up ? 'up' : 'down', qos: up ? 1 : 0, size: 16, intended, sent: intended + 500, received: intended + latencyNs, latencyNs, segments };
    records.push(message);
    records.push({ kind: 'packet', conn: 1, dir: up ? 'to-broker' : 'to-board', cmd: 'publish', qos: message.qos, len: 30, stamps: { parsed: intended + 1000 }, raw: 'MAA=' });
  }
  for (let i = 0; i < (options.flows ?? 200); i++) {
    const segments = Object.fromEntries(FLOW_SEGMENTS.map((name) => [name, latency(rand)]));
    const totalNs = Object.values(segments).reduce((sum, ns) => sum + ns, 0);
    const start = i * 15_000_000 + 3_000;
    const flow: TraceFlow = { kind: 'flow', flow: 'publish-qos1', conn: 1, id: i + 1, start, end: start + totalNs, totalNs, segments };
    records.push(flow);
    records.push({ kind: 'packet', conn: 1, dir: 'to-board', cmd: 'puback', id: i + 1, len: 4, stamps: {}, raw: 'QAIAAQ==' });
  }
  for (let seq = 0; seq < (options.losses ?? 2); seq++) records.push({ kind: 'loss', seq: 100_000 + seq, dir: 'down', intended: seq * 1_000_000 });
  return records;
}

export const toJsonl = (records: readonly TraceRecord[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
