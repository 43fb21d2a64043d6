import { percentile } from '../../bridge/campaign/percentiles.js';
import { benchCutWill } from './cut-will-latency.js';

/** Runs the cut -> will benchmark; returns its RESULTS.md section. */
export async function cutWillSection(quick: boolean, machine: string, progress: (t: string) => void): Promise<string> {
  const cuts = quick ? 20 : 200;
  const r = await benchCutWill({ cuts, onProgress: progress });
  const floor = percentile(r[0].samples, 50) as number;
  const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));
  const rows = r.map((x) => {
    const p50 = percentile(x.samples, 50) as number;
    return `| ${x.path} | ${f(p50)} | ${f(percentile(x.samples, 99))} | ${f(percentile(x.samples, 100))} | ${x === r[0] ? '-' : `${(p50 - floor) >= 0 ? '+' : ''}${(p50 - floor).toFixed(2)}`} |`;
  });
  return `## Power cut -> will at an observer (issue: power-cut simulation)

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine}
- Command: \`npm run bench -- --only cut-will\` (${cuts} cuts per path, paths alternating cut by cut; one private Mosquitto 2 with its defaults; the observer is an MQTT client at the broker, settled before each cut)

| path | p50 ms | p99 ms | max ms | p50 - floor ms |
|---|---|---|---|---|
${rows.join('\n')}

Target: rst and fin within 1 ms of the floor at p50. The bridge path is the product's: the power
strategy switches the virtual board off (power driver), tells the bridge, and the bridge ends the
broker connection as the profile says; the floor is a client whose own TCP socket is reset.`;
}
