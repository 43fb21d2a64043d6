import { loadavg } from 'node:os';
import { percentile } from '../../bridge/campaign/percentiles.js';
import { benchCaptureOverhead } from './capture-overhead.js';

const median = (xs: number[]) => percentile(xs, 50) as number;
const f0 = (v: number) => v.toFixed(0);
const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
// Ratios are judged against 0.95 and 1.05: shown finely enough that the verdict can be seen.
const f3 = (v: number) => v.toFixed(3);
const list = (xs: number[], f: (v: number) => string) => xs.map(f).join(', ');
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

/** Runs the capture overhead and host residence benchmark; returns its RESULTS.md section. */
export async function captureOverheadSection(quick: boolean, machine: string, progress: (t: string) => void): Promise<string> {
  const o = {
    rounds: quick ? 1 : 5,
    qos0Count: quick ? 5000 : 20_000,
    qos1Rate: 200,
    qos1Seconds: quick ? 4 : 8,
    qos1PhaseMs: 250,
    // Well past how late a switch comes (timers, a busy turn) and short next to a phase.
    qos1GuardMs: 10,
    residenceRate: 1000,
    // The bridge runs in this process, the board in a fresh sim process: both JIT-compile for
    // their first seconds (V8's background threads then hold a core for milliseconds at a
    // time), which is start-up, not the residence of a bridge that runs for hours.
    residenceSeconds: quick ? 3 : 9,
    residenceWarmupSeconds: quick ? 1 : 4,
    residenceRounds: quick ? 1 : 3,
    socatN: quick ? 1000 : 3000,
    onProgress: progress,
  };
  const loadBefore = loadavg()[0];
  const r = await benchCaptureOverhead(o);
  const loadAfter = loadavg()[0];
  const q0 = median(r.ratios.qos0);
  const q1 = median(r.ratios.qos1p50);
  const [up, down, upWithSyscall] = r.residence;
  const negatives = r.residence.filter((p) => p.negative > 0).map((p) => `${p.name}: ${p.negative}`);
  const rows = r.residence.map((p) => `| ${p.name} | ${p.n} | ${f1(p.p50)} | ${f1(p.p99)} |`);
  return `## Capture overhead and host residence (issue: packet timing)

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine}; 1-minute load average ${f1(loadBefore)} at the start, ${f1(loadAfter)} at the end (other work on the machine shows here)
- Command: \`npm run bench -- --only capture-overhead\` (one QoS 0 flood each way first, not counted, as warm-up; then ${o.rounds} rounds; QoS 0: a run each with capture off and on, which goes first swapping each round; QoS 1: one run per round with capture off and on in alternate ${o.qos1PhaseMs} ms phases of the host clock, counting each publish sent ${o.qos1GuardMs} ms or more into a phase and confirmed within it; medians of per-round values, ratios are medians of per-round ratios). Separate processes: the board is \`dl7450-bridge sim\` running bench/capture-overhead/load-app.ts over a pty, the bridge is \`startDaemon\` in the bench process (framed link), a private Mosquitto (\`set_tcp_nodelay true\`), and \`mosquitto_sub\` counting the QoS 0 flood; a fresh board, bridge and client per run. Capture on = subscribed to \`captures$\` with a consumer that only counts.

| capture overhead | off | on | on / off | per round (off; on) |
|---|---|---|---|---|
| QoS 0 flood, ${o.qos0Count} × 64 B, board's first publish → last at mosquitto_sub, msg/s | ${f0(median(r.off.qos0))} | ${f0(median(r.on.qos0))} | ${f3(q0)} | ${list(r.off.qos0, f0)}; ${list(r.on.qos0, f0)} |
| QoS 1 at ${o.qos1Rate}/s for ${o.qos1Seconds} s, phases interleaved in each run, publish() → on_publish in the app, p50 µs | ${f0(median(r.off.qos1p50))} | ${f0(median(r.on.qos1p50))} | ${f3(q1)} | ${list(r.off.qos1p50, f0)}; ${list(r.on.qos1p50, f0)} |
| same, p99 µs (for info) | ${f0(median(r.off.qos1p99))} | ${f0(median(r.on.qos1p99))} | ${f2(median(r.on.qos1p99) / median(r.off.qos1p99))} | ${list(r.off.qos1p99, f0)}; ${list(r.on.qos1p99, f0)} |
| bridge process CPU per QoS 0 message from the CONNACK on, µs (for info) | ${f1(median(r.off.qos0Cpu))} | ${f1(median(r.on.qos0Cpu))} | ${f2(median(r.on.qos0Cpu) / median(r.off.qos0Cpu))} | ${list(r.off.qos0Cpu, f1)}; ${list(r.on.qos0Cpu, f1)} |
| bridge process CPU per QoS 1 PUBLISH + PUBACK, by phase, µs (for info) | ${f1(median(r.off.qos1Cpu))} | ${f1(median(r.on.qos1Cpu))} | ${f2(median(r.on.qos1Cpu) / median(r.off.qos1Cpu))} | ${list(r.off.qos1Cpu, f1)}; ${list(r.on.qos1Cpu, f1)} |

Per-round on/off: QoS 0 msg/s ${list(r.ratios.qos0, f2)}; QoS 1 p50 ${list(r.ratios.qos1p50, f2)}. Captures made per run with capture on: QoS 0 ${r.on.captures.join(', ')}; QoS 1 (its on phases) ${r.on.qos1Captures.join(', ')}. QoS 1 publishes counted per run, off; on: ${r.off.qos1n.join(', ')}; ${r.on.qos1n.join(', ')}; latest capture switch after its phase boundary per run: ${list(r.toggleLateUs, (v) => `${f0(v)} µs`)}.

Host residence, capture on: ${o.residenceRounds} runs of QoS 1 PUBLISH up at ${o.residenceRate}/s for ${o.residenceSeconds} s (their PUBACKs down), the first ${o.residenceWarmupSeconds} s of each left out; p50 and p99 are medians of the runs' values. In the app meanwhile, publish() → on_publish p50 ${f0(r.residenceApp.p50)} µs, p99 ${f0(r.residenceApp.p99)} µs.

| stretch (↑ board → broker, ↓ broker → board) | packets | p50 µs | p99 µs |
|---|---|---|---|
${rows.join('\n')}

Next to it, what socat adds (bench/bridge-latency's paths and probe, ${o.residenceRounds} rounds of ${o.socatN} QoS 1 round trips, each after a residence run, same Mosquitto; medians of per-round values): direct TCP p50 ${f0(r.socat.direct.p50)} / p99 ${f0(r.socat.direct.p99)} µs, socat pty<->TCP p50 ${f0(r.socat.socat.p50)} / p99 ${f0(r.socat.socat.p99)} µs; **added by socat: p50 ${f0(r.socat.added.p50)} µs, p99 ${f0(r.socat.added.p99)} µs** per round trip (both directions, pty transit included; per round p50 ${list(r.socatRounds.map((x) => x.socat.p50 - x.direct.p50), f0)}, p99 ${list(r.socatRounds.map((x) => x.socat.p99 - x.direct.p99), f0)}). The bridge's residence summed over a round trip (↑ + ↓, each to where it hands the packet on; pty transit and syscalls not included): p50s ${f1(up.p50 + down.p50)} µs, p99s ${f1(up.p99 + down.p99)} µs.${negatives.length > 0 ? `\n\nStamps out of order (negative stretches): ${negatives.join('; ')}.` : ''}

Targets: capture on costs ≤ 5 % — QoS 0 on/off ≥ 0.95 (${f3(q0)}, ${met(q0 >= 0.95)}), QoS 1 p50 on/off ≤ 1.05 (${f3(q1)}, ${met(q1 <= 1.05)}); host residence p50 ≤ 30 µs and p99 ≤ 200 µs each way, from the bridge's input to where it hands the packet on — to-broker ${f1(up.p50)} / ${f1(up.p99)} µs (${met(up.p50 <= 30 && up.p99 <= 200)}), to-board ${f1(down.p50)} / ${f1(down.p99)} µs (${met(down.p50 <= 30 && down.p99 <= 200)}); to-broker with the broker socket's syscall included ${f1(upWithSyscall.p50)} / ${f1(upWithSyscall.p99)} µs (${upWithSyscall.p50 <= 30 && upWithSyscall.p99 <= 200 ? 'within the target too' : 'not within it: see the notes'}).`;
}
