import { flowGroupName, messageGroupName } from './latency-histograms.js';
import type { TraceRecord } from './trace-format.js';

/**
 * Latency against time, reduced to the min and max of each time bucket: a stall still shows
 * as a spike however many records a bucket holds, and a series is at most 2 points a bucket
 * however long the trace (a 1M-record trace's report stays a few MB).
 */
export interface BucketSeries {
  min: Float64Array;
  max: Float64Array;
  count: Uint32Array;
}

export interface GroupTimeSeries {
  total: BucketSeries;
  segments: Map<string, BucketSeries>;
}

export interface TimeSeries {
  /** Start of the first bucket and end of the last, ns since t0. */
  startNs: number;
  endNs: number;
  buckets: number;
  groups: Map<string, GroupTimeSeries>;
}

function createSeries(buckets: number): BucketSeries {
  return { min: new Float64Array(buckets).fill(Infinity), max: new Float64Array(buckets).fill(-Infinity), count: new Uint32Array(buckets) };
}

/** Messages are placed at their intended send time (where their latency starts), flows at their first stamp. */
function startOf(r: TraceRecord): number | undefined {
  return r.kind === 'message' ? r.intended : r.kind === 'flow' ? r.start : undefined;
}

export function bucketTimeSeries(records: readonly TraceRecord[], buckets = 1000): TimeSeries {
  let startNs = Infinity;
  let endNs = -Infinity;
  for (const r of records) {
    const t = startOf(r);
    if (t === undefined) continue;
    startNs = Math.min(startNs, t);
    endNs = Math.max(endNs, t);
  }
  const groups = new Map<string, GroupTimeSeries>();
  if (startNs > endNs) return { startNs: 0, endNs: 0, buckets, groups };
  startNs = Math.min(startNs, 0);
  // One more ns so that the last record falls inside the last bucket rather than past it.
  endNs += 1;
  const width = (endNs - startNs) / buckets;
  const add = (s: BucketSeries, i: number, ns: number) => {
    if (ns < s.min[i]) s.min[i] = ns;
    if (ns > s.max[i]) s.max[i] = ns;
    s.count[i]++;
  };
  const groupFor = (name: string) => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { total: createSeries(buckets), segments: new Map() }));
    return g;
  };
  const segment = (g: GroupTimeSeries, name: string, i: number, ns: number) => {
    let s = g.segments.get(name);
    if (!s) g.segments.set(name, (s = createSeries(buckets)));
    add(s, i, ns);
  };
  for (const r of records) {
    const t = startOf(r);
    if (t === undefined) continue;
    const i = Math.min(buckets - 1, Math.floor((t - startNs) / width));
    if (r.kind === 'message') {
      const g = groupFor(messageGroupName(r.dir, r.qos));
      add(g.total, i, r.latencyNs);
      for (const s of r.segments) segment(g, s.name, i, s.ns);
    } else if (r.kind === 'flow') {
      const g = groupFor(flowGroupName(r.flow));
      add(g.total, i, r.totalNs);
      for (const [name, ns] of Object.entries(r.segments)) segment(g, name, i, ns);
    }
  }
  return { startNs, endNs, buckets, groups };
}
