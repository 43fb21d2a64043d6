import * as hdr from 'hdr-histogram-js';
import type { TraceRecord } from './trace-format.js';

export type Histogram = hdr.Histogram;

export interface HistogramGroup {
  /** "message up qos1", "flow publish-qos1", ... */
  name: string;
  total: Histogram;
  /** Segment name -> histogram, in the order the segments first appeared (time order). */
  segments: Map<string, Histogram>;
}

export interface HistogramSet {
  /** Message groups first (up before down, by QoS), then flow groups by name. */
  groups(): HistogramGroup[];
  group(name: string): HistogramGroup | undefined;
  /** Message and flow records recorded. */
  readonly count: number;
  /**
   * Negative values recorded as 0: a board segment measured across two clocks can come out
   * below zero when the clock offset is off by more than the segment lasted.
   */
  readonly clamped: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
  mean: number;
}

/** Nanoseconds, 3 significant digits, 1 ns to 1 h before it has to grow. */
export function createHistogram(): Histogram {
  // The pure-JS, 64-bit-count implementation: no wasm to load, no count overflow on long runs.
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3.6e12,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
}

export const messageGroupName = (dir: string, qos: number): string => `message ${dir} qos${qos}`;
export const flowGroupName = (flow: string): string => `flow ${flow}`;

function groupOrder(a: string, b: string): number {
  const rank = (name: string) => (name.startsWith('message up ') ? 0 : name.startsWith('message ') ? 1 : 2);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function buildHistograms(records: Iterable<TraceRecord>): HistogramSet {
  const byName = new Map<string, HistogramGroup>();
  let count = 0;
  let clamped = 0;
  const record = (h: Histogram, ns: number) => {
    if (ns < 0) clamped++;
    h.recordValue(Math.max(0, Math.round(ns)));
  };
  const groupFor = (name: string) => {
    let group = byName.get(name);
    if (!group) byName.set(name, (group = { name, total: createHistogram(), segments: new Map() }));
    return group;
  };
  const segment = (group: HistogramGroup, name: string, ns: number) => {
    let h = group.segments.get(name);
    if (!h) group.segments.set(name, (h = createHistogram()));
    record(h, ns);
  };
  for (const r of records) {
    if (r.kind === 'message') {
      const group = groupFor(messageGroupName(r.dir, r.qos));
      record(group.total, r.latencyNs);
      for (const s of r.segments) segment(group, s.name, s.ns);
      count++;
    } else if (r.kind === 'flow') {
      const group = groupFor(flowGroupName(r.flow));
      record(group.total, r.totalNs);
      for (const [name, ns] of Object.entries(r.segments)) segment(group, name, ns);
      count++;
    }
  }
  const sorted = [...byName.values()].sort((a, b) => groupOrder(a.name, b.name));
  return { groups: () => sorted, group: (name) => byName.get(name), count, clamped };
}

export function percentiles(h: Histogram): Percentiles {
  const count = h.totalCount;
  if (count === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, count: 0, mean: 0 };
  // With a lowest discernible value of 1, maxValue is the exact largest value recorded, while a
  // percentile is the top of its bucket: capped so that p99.9 never reads above max.
  const at = (p: number) => Math.min(h.getValueAtPercentile(p), h.maxValue);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.maxValue, count, mean: h.mean };
}
