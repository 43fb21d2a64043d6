import type { SelftestResult } from './link-selftest.js';
import type { SelftestOptions } from './selftest-options.js';

const row = (label: string, value: string | number, note = '') => `  ${label.padEnd(34)} ${String(value).padStart(9)}  ${note}`.trimEnd();

/** The human summary of a self-test run: what was injected, what the receiver saw, verdict. */
export function formatSelftestReport(r: SelftestResult, o: SelftestOptions): string {
  const seconds = r.elapsedMs / 1000;
  const rate = seconds > 0 ? `${((r.bytesDelivered / seconds) / 1024).toFixed(0)} KiB/s` : '';
  const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
  const f = o.faults;
  // What happened, next to what was asked for: with few frames the two differ visibly.
  const share = (count: number, set: number) => `${pct(r.framesWritten > 0 ? count / r.framesWritten : 0)} (set ${pct(set)})`;
  return [
    ...(r.interrupted ? [`INTERRUPTED after ${r.packetsDelivered} of ${r.packetsSent} packets: the checks below cover those.`, ''] : []),
    `dl7450-bridge link self-test — pty ${r.ptyPath}, seed ${o.seed}`,
    `board -> host: ${r.packetsSent} MQTT PUBLISH packets over link protocol v1 (board MTU 256, window 4)`,
    '',
    `injected on the board's line (share of the ${r.framesWritten} frames it wrote, retransmissions included)`,
    row('garbage runs before a frame', r.injected.garbage, share(r.injected.garbage, f.garbage)),
    row('boot-text lines before a frame', r.injected.text, share(r.injected.text, f.text)),
    row('frames cut short (power-cut style)', r.injected.truncate, share(r.injected.truncate, f.truncate)),
    row('frames with a corrupted byte', r.injected.corrupt, share(r.injected.corrupt, f.corrupt)),
    row('frames dropped', r.injected.drop, share(r.injected.drop, f.drop)),
    row('frames duplicated', r.injected.duplicate, share(r.injected.duplicate, f.duplicate)),
    '',
    'recovered by the host',
    row('intact frames sent / recovered', `${r.intactFramesSent}/${r.host.framesIn}`),
    row('dropped: truncated / bad COBS', r.host.dropped.truncated),
    row('dropped: CRC error', r.host.dropped.crc),
    row('dropped: oversize / bad version', r.host.dropped.oversize + r.host.dropped.version),
    row('console lines surfaced', r.host.consoleLines),
    row('duplicates suppressed', r.host.duplicates),
    row('out-of-sequence frames refused', r.host.outOfOrder),
    row('frames retransmitted by the board', r.board.retransmits),
    row('link resets', r.host.resets + r.host.broken),
    '',
    `result: ${r.packetsDelivered}/${r.packetsSent} packets delivered exactly once, in order, in ${seconds.toFixed(2)} s (${rate})`,
    // An interrupted run proves only what it delivered: no bare PASS for 16 of 200000.
    r.passed ? (r.interrupted ? `no fault in the ${r.packetsDelivered} packets delivered before the interruption (not a PASS)` : 'PASS') : `FAIL: ${r.failure}`,
  ].join('\n');
}
