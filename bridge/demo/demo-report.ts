import { DEMO_RATE, type FlowResult } from './traffic.js';

export interface DemoResult {
  brokerUrl: string;
  line: string;
  flows: FlowResult[];
  will: { topic: string; payload: string; detectedAfterMs: number; publishedAfterMs: number } | undefined;
  passed: boolean;
  failure?: string;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1);
};

export function formatDemoReport(r: DemoResult): string {
  const head = `${'direction'.padEnd(17)}${'qos'.padStart(4)}${'sent'.padStart(7)}${'received'.padStart(10)}${'dups'.padStart(6)}${'lost'.padStart(6)}${'p50 ms'.padStart(9)}${'max ms'.padStart(9)}`;
  const rows = r.flows.map(
    (f) =>
      `${f.direction.padEnd(17)}${String(f.qos).padStart(4)}${String(f.sent).padStart(7)}${String(f.received).padStart(10)}${String(f.duplicates).padStart(6)}${String(f.sent - f.received).padStart(6)}${pct(f.latenciesMs, 50).padStart(9)}${pct(f.latenciesMs, 100).padStart(9)}`,
  );
  const will = r.will
    ? `lost link: board line cut at +0 ms; bridge noticed at +${r.will.detectedAfterMs.toFixed(0)} ms; will ${r.will.topic} = "${r.will.payload}" published at +${r.will.publishedAfterMs.toFixed(0)} ms`
    : 'lost link: the will was NOT published';
  return [
    `dl7450-bridge demo — embedded broker ${r.brokerUrl}, virtual DL-7450 board on ${r.line} (framed link)`,
    '',
    head,
    ...rows,
    `latency: publish call to arrival, ${DEMO_RATE} messages/s per QoS and direction`,
    '',
    will,
    '',
    r.passed ? 'PASS: every QoS 1/2 message arrived (QoS 2 exactly once) and the will was published' : `FAIL: ${r.failure}`,
  ].join('\n');
}
