import { benchBridgeLatency } from './bridge-latency.js';

// Each path starts fresh. A new Node process (the bridge, and the probe's link code) spends its
// first seconds compiling: V8's background threads then hold a core for milliseconds at a time,
// and on two cores every process in the chain waits for them. 500 warm-up round trips (0.1 s)
// measured that start-up, not the daemon a bench runs for hours (p99 2-3 ms; steady, about
// 0.3 ms). socat, which has nothing to compile, gets the same warm-up.
const WARMUP_ROUND_TRIPS = 10_000;

/** Runs the bridge latency benchmark; returns its RESULTS.md section. */
export async function bridgeLatencySection(quick: boolean, machine: string, progress: (t: string) => void): Promise<string> {
  const rounds = quick ? 1 : 3;
  const r = await benchBridgeLatency({ rounds, n: quick ? 1000 : 5000, warmup: WARMUP_ROUND_TRIPS, m: quick ? 10_000 : 50_000, onProgress: progress });
  const socat = r.find((x) => x.path.startsWith('socat')) as (typeof r)[number];
  const qos0 = (x: (typeof r)[number]) => (Number.isNaN(x.qos0) ? ['—', '—'] : [`${(x.qos0 / 1000).toFixed(0)} k`, (x.qos0 / socat.qos0).toFixed(2)]);
  const rows = r.map(
    (x) => `| ${x.path} | ${x.p50.toFixed(0)} | ${x.p99.toFixed(0)} | ${qos0(x)[0]} | ${(x.p50 / socat.p50).toFixed(2)} | ${(x.p99 / socat.p99).toFixed(2)} | ${qos0(x)[1]} |`,
  );
  return `## Bridge latency: QoS 1 round trip and QoS 0 throughput (issue: daemon)

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine}
- Command: \`npm run bench -- --only bridge-latency\` (${rounds} rounds, paths alternating, medians of per-round values; ${WARMUP_ROUND_TRIPS} warm-up round trips per path before measuring; one private Mosquitto; 64-byte payloads; QoS 0 = an untimed burst, then the timed burst closed by a PINGREQ, messages/s until the PINGRESP)

| path | RTT p50 µs | RTT p99 µs | QoS 0 msg/s | p50 / socat | p99 / socat | QoS 0 / socat |
|---|---|---|---|---|---|---|
${rows.join('\n')}

The framed probe is itself JS link code (framing, deframing) that a raw probe does not run;
"probe's own framing excluded" takes out, per round trip, the probe's time from its write to
its line write and from a line chunk to the packet it completes (bench/bridge-latency/own-time.ts).
The line syscalls and the probe's acks and timers stay in. The plain "bridge framed" row is the
unadjusted figure.

Targets: bridge/socat ≤ 1.0 at p50 and ≤ 1.5 at p99 while parsing every packet; QoS 0 throughput at least socat's.`;
}
