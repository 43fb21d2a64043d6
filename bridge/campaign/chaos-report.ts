import type { CutProfile } from '../session/cut-profile.js';
import type { LedgerSummary, QosCounts } from './ledger.js';
import { percentile } from './percentiles.js';

export interface ChaosCut {
  cut: number;
  uptimeMs: number;
  offMs: number;
  profile: CutProfile;
  ok: boolean;
  /** Cut -> will at the observer, when a will was due. */
  willMs?: number;
  /** The cut's timeline, one line per step. */
  steps: string[];
}

/** The JSON report of a campaign (chaos --report). */
export interface ChaosReport {
  seed: number;
  /** Cuts made: fewer than asked for when the campaign was interrupted. */
  cuts: number;
  /** Set when it was stopped early (Ctrl-C): the verdict covers the cuts made. */
  interrupted?: { requestedCuts: number };
  profiles: CutProfile[];
  broker: string;
  startedAt: string;
  durationMs: number;
  boots: number;
  summary: LedgerSummary;
  wills: { received: number; latenciesMs: number[] };
  failures: string[];
  passed: boolean;
  cutLog: ChaosCut[];
}

const row = (direction: string, qos: number, c: QosCounts) =>
  `${direction.padEnd(16)} ${String(qos).padStart(3)} ${[c.sent, c.acknowledged, c.arrived, qos === 0 ? '-' : c.lost, c.duplicated, qos === 0 ? c.dropped : '-'].map((v) => String(v).padStart(8)).join('')}`;

const ms = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(1)} ms`);

/** The summary table chaos prints at the end. */
export function formatChaosReport(r: ChaosReport): string {
  const lines = [
    ...(r.interrupted ? [`INTERRUPTED after ${r.cuts} of ${r.interrupted.requestedCuts} cuts: the verdict below covers those.`, ''] : []),
    `chaos: ${r.cuts} cuts (seed ${r.seed}, profiles ${r.profiles.join(', ')}), ${r.boots} boots, ${(r.durationMs / 1000).toFixed(1)} s, broker ${r.broker}`,
    '',
    `${'direction'.padEnd(16)} qos${['sent', 'acked', 'arrived', 'lost', 'dups', 'dropped'].map((h) => h.padStart(8)).join('')}`,
    ...([0, 1, 2] as const).map((q) => row('board -> broker', q, r.summary.up[q])),
    ...([0, 1, 2] as const).map((q) => row('broker -> board', q, r.summary.down[q])),
    '',
    '  acked: board -> broker, on_publish confirmed it to the app; broker -> board, the broker acknowledged it to the backend.',
    '  lost: acknowledged, never arrived (a broken guarantee); dropped: QoS 0 that never arrived (allowed).',
    `  QoS 2 downstream the board acknowledged (PUBREC) and lost with its RAM before PUBREL: ${r.summary.down.lostAfterPubrec} (counted, not failed).`,
    `  QoS 2 upstream the broker's session held unreleased from earlier boots (their PUBREL lost with the RAM): up to ${r.summary.up.unreleasedMax}; Mosquitto drops acknowledged publishes once 20 pile up.`,
    '',
    `wills: ${r.wills.received} received; cut -> will p50 ${ms(percentile(r.wills.latenciesMs, 50))}, p99 ${ms(percentile(r.wills.latenciesMs, 99))}, max ${ms(percentile(r.wills.latenciesMs, 100))}`,
  ];
  if (r.passed) lines.push('', 'PASS: no acknowledged QoS 1/2 message lost, no QoS 2 duplicate, every will due arrived');
  else lines.push('', `FAIL: ${r.failures.length} problem(s):`, ...r.failures.slice(0, 20).map((f) => `  ${f}`), ...(r.failures.length > 20 ? [`  ... and ${r.failures.length - 20} more in the report`] : []));
  return lines.join('\n');
}
