import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from './html-report.js';
import { buildHistograms } from './latency-histograms.js';
import { syntheticHeader, syntheticTrace } from './test-support/synthetic-trace.js';
import type { TraceRecord } from './trace-format.js';

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('renderHtmlReport', () => {
  const records = syntheticTrace({ messages: 400, flows: 200, losses: 3 });
  const html = renderHtmlReport(records, { title: 'run.jsonl' });

  it('is one HTML document that fetches nothing', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(count(html, /<html/g)).toBe(1);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const outside of [/https?:\/\//i, /\bsrc\s*=/i, /\bhref\s*=/i, /@import/i, /url\(/i, /<link/i]) expect(html).not.toMatch(outside);
  });

  it('has the header fields, counts and the percentile table', () => {
    for (const text of ['virtual DL-7450', 'tcp:', '2026-01-02T03:04:05.000Z', 'time-sync: offset 12.3 µs ± 2.10 µs (16 samples)', 'capture</dt><dd>on']) expect(html).toContain(text);
    expect(html).toContain('400 messages received');
    expect(html).toContain('Losses: 3 (up 0, down 3)');
    expect(html).toMatch(/<tr><td>publish<\/td><td>200<\/td><td>200<\/td><\/tr>/);
    expect(html).toMatch(/<tr><td>puback<\/td><td>0<\/td><td>200<\/td><\/tr>/);
    expect(html).toMatch(/<tr class="total"><td>message up qos1<\/td><td>200<\/td>/);
    expect(html).toMatch(/<td class="segment">serialOut<\/td><td>200<\/td>/);
  });

  it('draws a percentile curve per group and a time series per segment and total', () => {
    const groups = buildHistograms(records).groups();
    const sections = html.split('<section>').slice(1);
    expect(sections).toHaveLength(groups.length);
    sections.forEach((section, i) => {
      const g = groups[i];
      expect(count(section, /<svg/g)).toBe(1 + 1 + g.segments.size);
      expect(section).toContain(`${g.name}: latency by percentile`);
      for (const k of ['0%', '90%', '99%']) expect(section).toContain(`>${k}</text>`);
      for (const name of ['total', ...g.segments.keys()]) expect(section).toContain(`${g.name}: ${name}</title>`);
    });
  });

  it('keeps each time series to at most 2000 points however long the trace', () => {
    const big = renderHtmlReport(syntheticTrace({ messages: 20_000, flows: 0, losses: 0 }));
    const paths = big.match(/<path d="[^"]*"/g)!;
    expect(paths.length).toBeGreaterThan(0);
    for (const d of paths) expect(count(d, /[MV]/g)).toBeLessThanOrEqual(2000);
    expect(big.length).toBeLessThan(1_000_000);
  });

  it('escapes text from the trace', () => {
    const evil = syntheticHeader({ board: '<script>alert(1)</script>', broker: '"><img onerror=x>' });
    const flow = { kind: 'flow' as const, flow: '<b>x</b>', conn: 1, start: 0, end: 5, totalNs: 5, segments: { '<i>': 5 } };
    const page = renderHtmlReport([evil, flow, { kind: 'packet', conn: 1, dir: 'to-board', cmd: '<u>', len: 1, stamps: {}, raw: '' }]);
    expect(page).not.toMatch(/<script|<img|<b>|<i>|<u>/);
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('says "no messages" for a trace without any, and still renders', () => {
    const page = renderHtmlReport([syntheticHeader()] as TraceRecord[]);
    expect(page).toContain('No messages');
    expect(page).toContain('No messages or flows in the trace');
    expect(page).toContain('Losses: 0.');
    expect(count(page, /<svg/g)).toBe(0);
    expect(renderHtmlReport([])).toContain('no header');
    expect(page).toContain('MQTT flows left open: 0.');
  });

  it('lists the MQTT flows left open, escaped', () => {
    const page = renderHtmlReport([syntheticHeader(), { kind: 'unclosed', flow: 'publish-qos2', conn: 3, id: 9, packets: 2 }, { kind: 'unclosed', flow: '<ping>', conn: 1, packets: 1 }]);
    expect(page).toContain('MQTT flows left open: 2: publish-qos2 id 9 (conn 3), &#60;ping&#62; (conn 1).');
  });
});
