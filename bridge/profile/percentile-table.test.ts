import { describe, expect, it } from 'vitest';
import { buildHistograms, percentiles } from './latency-histograms.js';
import { formatNs, percentilesCsv, renderPercentileTable } from './percentile-table.js';
import { syntheticHeader, syntheticTrace } from './test-support/synthetic-trace.js';

describe('formatNs', () => {
  it.each([
    [0, '0 ns'],
    [7, '7 ns'],
    [999, '999 ns'],
    [1000, '1.00 µs'],
    [18_234, '18.2 µs'],
    [999_960, '1.00 ms'],
    [1_049_999, '1.05 ms'],
    [123_456_789, '123 ms'],
    [2_500_000_000, '2.50 s'],
    [4_000_000_000_000, '4000 s'],
  ])('%d ns is "%s"', (ns, text) => expect(formatNs(ns)).toBe(text));
});

describe('renderPercentileTable', () => {
  const set = buildHistograms(syntheticTrace({ messages: 200, flows: 100 }));
  const table = renderPercentileTable(set);
  const lines = table.split('\n');

  it('has a header, then each group total with its segments indented under it', () => {
    expect(lines[0]).toMatch(/^group \/ segment\s+count\s+p50\s+p90\s+p99\s+p99\.9\s+max$/);
    expect(lines[1]).toMatch(/^-+( +-+){6}$/);
    const labels = lines.slice(2).map((l) => l.slice(0, lines[0].indexOf('count')).trimEnd());
    expect(labels).toEqual([
      'message up qos1', '  board', '  serialIn', '  bridgeIn', '  broker', '  bridgeOut',
      'message down qos0', '  board', '  serialIn', '  bridgeIn', '  broker', '  bridgeOut',
      'flow publish-qos1', '  serialIn', '  bridgeIn', '  broker', '  bridgeOut', '  serialOut',
    ]);
  });

  it('lines the columns up and shows counts and human units', () => {
    expect(new Set(lines.map((l) => l.length)).size).toBeLessThanOrEqual(2); // rule and rows; header may be shorter
    const total = lines[2].split(/\s{2,}/);
    const stats = percentiles(set.group('message up qos1')!.total);
    expect(total).toEqual(['message up qos1', '100', ...[stats.p50, stats.p90, stats.p99, stats.p999, stats.max].map(formatNs)]);
    for (const cell of total.slice(2)) expect(cell).toMatch(/^\d[\d.]* (ns|µs|ms|s)$/);
  });

  it('says when there is nothing to show', () => {
    expect(renderPercentileTable(buildHistograms([syntheticHeader()]))).toBe('no messages or flows in the trace');
  });
});

describe('percentilesCsv', () => {
  it('has one row per table row, in whole ns', () => {
    const set = buildHistograms(syntheticTrace({ messages: 200, flows: 100 }));
    const [header, ...rows] = percentilesCsv(set).trimEnd().split('\n');
    expect(header).toBe('group,segment,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns');
    expect(rows).toHaveLength(18);
    const broker = rows.find((r) => r.startsWith('flow publish-qos1,broker,'))!.split(',');
    const s = percentiles(set.group('flow publish-qos1')!.segments.get('broker')!);
    expect(broker).toEqual(['flow publish-qos1', 'broker', '100', ...[s.p50, s.p90, s.p99, s.p999, s.max, Math.round(s.mean)].map(String)]);
    expect(rows[0].split(',').slice(0, 3)).toEqual(['message up qos1', 'total', '100']);
    for (const row of rows) expect(row.split(',').slice(2).every((n) => /^\d+$/.test(n))).toBe(true);
  });

  it('quotes a group name with a comma in it', () => {
    const flow = { kind: 'flow' as const, flow: 'a,"b"', conn: 1, start: 0, end: 5, totalNs: 5, segments: { broker: 5 } };
    expect(percentilesCsv(buildHistograms([syntheticHeader(), flow]))).toContain('"flow a,""b""",total,1,5,5,5,5,5,5');
  });
});
