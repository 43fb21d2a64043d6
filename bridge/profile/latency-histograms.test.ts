import { describe, expect, it } from 'vitest';
import { buildHistograms, createHistogram, percentiles } from './latency-histograms.js';
import type { TraceFlow, TraceMessage } from './trace-format.js';
import { syntheticHeader, syntheticTrace } from './test-support/synthetic-trace.js';

/** The percentile as HdrHistogram defines it (the value at rank ceil(p * n)), by sorting. */
function exact(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

// 3 significant digits: a value lands in a bucket less than 1/1000 of it wide.
const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected / 1000 + 1);

describe('buildHistograms', () => {
  const records = syntheticTrace({ messages: 600, flows: 400, seed: 7 });
  const set = buildHistograms(records);
  const messages = records.filter((r): r is TraceMessage => r.kind === 'message');
  const flows = records.filter((r): r is TraceFlow => r.kind === 'flow');

  it('groups messages by direction and QoS and flows by kind, message groups first', () => {
    expect(set.groups().map((g) => g.name)).toEqual(['message up qos1', 'message down qos0', 'flow publish-qos1']);
    expect(set.count).toBe(1000);
    expect([...set.group('message up qos1')!.segments.keys()]).toEqual(['board', 'serialIn', 'bridgeIn', 'broker', 'bridgeOut']);
    expect([...set.group('flow publish-qos1')!.segments.keys()]).toEqual(['serialIn', 'bridgeIn', 'broker', 'bridgeOut', 'serialOut']);
  });

  it('gives the percentiles found by sorting, within 3 significant digits, and the exact max', () => {
    const up = messages.filter((m) => m.dir === 'up');
    const cases: [string, number[]][] = [
      ['message up qos1 total', up.map((m) => m.latencyNs)],
      ['message up qos1 broker', up.map((m) => m.segments.find((s) => s.name === 'broker')!.ns)],
      ['flow publish-qos1 total', flows.map((f) => f.totalNs)],
      ['flow publish-qos1 serialOut', flows.map((f) => f.segments.serialOut)],
    ];
    for (const [label, values] of cases) {
      const [group, segment] = [label.slice(0, label.lastIndexOf(' ')), label.slice(label.lastIndexOf(' ') + 1)];
      const g = set.group(group)!;
      const stats = percentiles(segment === 'total' ? g.total : g.segments.get(segment)!);
      expect(stats.count, label).toBe(values.length);
      expect(stats.max, label).toBe(Math.max(...values));
      close(stats.p50, exact(values, 50));
      close(stats.p90, exact(values, 90));
      close(stats.p99, exact(values, 99));
      close(stats.p999, exact(values, 99.9));
      close(stats.mean, values.reduce((a, b) => a + b, 0) / values.length);
    }
  });

  it('records a negative segment (clock offset error) as 0 and counts it', () => {
    const message: TraceMessage = { kind: 'message', seq: 1, dir: 'up', qos: 0, size: 1, intended: 0, sent: 0, received: 90, latencyNs: 90, segments: [{ name: 'board', ns: -10 }, { name: 'broker', ns: 100 }] };
    const small = buildHistograms([syntheticHeader(), message]);
    expect(small.clamped).toBe(1);
    expect(percentiles(small.group('message up qos0')!.segments.get('board')!).max).toBe(0);
  });

  it('is all zeros for an empty histogram, and grows past an hour', () => {
    expect(percentiles(createHistogram())).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, max: 0, count: 0, mean: 0 });
    const h = createHistogram();
    h.recordValue(7.2e12);
    expect(percentiles(h).max).toBe(7.2e12);
    expect(buildHistograms([syntheticHeader()]).groups()).toEqual([]);
  });
});
