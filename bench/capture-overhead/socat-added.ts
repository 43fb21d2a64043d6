import { percentile } from '../../bridge/campaign/percentiles.js';
import { probe } from '../bridge-latency/mqtt-probe.js';
import { paths } from '../bridge-latency/paths.js';

export interface RttStats {
  p50: number;
  p99: number;
}

export interface SocatRound {
  direct: RttStats;
  socat: RttStats;
}

export interface SocatAdded extends SocatRound {
  /** socat − direct, per round, then the median: what a socat pty<->TCP tunnel adds to a round trip. */
  added: RttStats;
}

const median = (xs: number[]) => percentile(xs, 50) as number;

/** One round of QoS 1 RTTs straight to the broker, then through socat (bridge-latency's paths and probe). */
export async function socatRound(brokerPort: number, tty: string, options: { n: number; warmup: number }): Promise<SocatRound> {
  const direct = paths.find((p) => p.name === 'direct TCP');
  const socat = paths.find((p) => p.name.startsWith('socat'));
  if (!direct || !socat) throw new Error('bench/bridge-latency/paths.ts no longer has the direct TCP and socat paths');
  const one = async (path: typeof direct): Promise<RttStats> => {
    const { transport, stop } = await path.open(brokerPort, tty);
    try {
      // m: one QoS 0 batch, the least the probe sends; only its round trips are used here.
      const r = await probe(transport, { warmup: options.warmup, n: options.n, m: 32, payload: 64 });
      return { p50: percentile(r.rttUs, 50) as number, p99: percentile(r.rttUs, 99) as number };
    } finally {
      await stop();
    }
  };
  return { direct: await one(direct), socat: await one(socat) };
}

export function summarizeSocat(rounds: SocatRound[]): SocatAdded {
  const pick = (f: (r: SocatRound) => number) => median(rounds.map(f));
  return {
    direct: { p50: pick((r) => r.direct.p50), p99: pick((r) => r.direct.p99) },
    socat: { p50: pick((r) => r.socat.p50), p99: pick((r) => r.socat.p99) },
    added: { p50: pick((r) => r.socat.p50 - r.direct.p50), p99: pick((r) => r.socat.p99 - r.direct.p99) },
  };
}
