import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { probe } from './mqtt-probe.js';
import { paths } from './paths.js';

// QoS 1 round trip (board side -> broker -> PUBACK back) and QoS 0 throughput through the bridge
// over a pty, raw and framed, side by side with a direct TCP client (the floor) and a socat
// pty<->TCP tunnel (what users would set up instead), on one private Mosquitto, paths
// alternating round by round.

export interface PathResult {
  path: string;
  p50: number;
  p99: number;
  /** NaN for a derived row that measures no throughput of its own. */
  qos0: number;
}

/** The row for a framed path's round trips less the probe's own framing (own-time.ts). */
const lessProbe = (path: string) => `${path}, probe's own framing excluded`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs: number[]) => pct(xs, 50);

export async function benchBridgeLatency(options: { rounds: number; n: number; warmup: number; m: number; onProgress?: (text: string) => void }): Promise<PathResult[]> {
  const broker = await startMosquitto();
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-latency-'));
  const runs = new Map<string, { p50: number[]; p99: number[]; qos0: number[] }>(paths.map((p) => [p.name, { p50: [], p99: [], qos0: [] }]));
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const [i, path] of paths.entries()) {
        options.onProgress?.(`round ${round}/${options.rounds}: ${path.name}`);
        const { transport, stop } = await path.open(broker.port, join(dir, `tty-${round}-${i}`));
        try {
          const r = await probe(transport, { warmup: options.warmup, n: options.n, m: options.m, payload: 64, qos0Warmup: true });
          const acc = runs.get(path.name) as { p50: number[]; p99: number[]; qos0: number[] };
          acc.p50.push(pct(r.rttUs, 50));
          acc.p99.push(pct(r.rttUs, 99));
          acc.qos0.push(r.qos0MsgsPerS);
          if (r.rttLessProbeUs) {
            if (!runs.has(lessProbe(path.name))) runs.set(lessProbe(path.name), { p50: [], p99: [], qos0: [] });
            const less = runs.get(lessProbe(path.name)) as { p50: number[]; p99: number[]; qos0: number[] };
            less.p50.push(pct(r.rttLessProbeUs, 50));
            less.p99.push(pct(r.rttLessProbeUs, 99));
            less.qos0.push(Number.NaN);
          }
        } finally {
          await stop();
        }
      }
    }
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const names = paths.flatMap((p) => [p.name, lessProbe(p.name)]).filter((name) => runs.has(name));
  return names.map((name) => {
    const r = runs.get(name) as { p50: number[]; p99: number[]; qos0: number[] };
    return { path: name, p50: median(r.p50), p99: median(r.p99), qos0: median(r.qos0) };
  });
}
