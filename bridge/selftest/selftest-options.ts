import type { LineFaultRates } from '../../streams/faults/line-faults.js';

export interface SelftestOptions {
  packets: number;
  seed: number;
  faults: LineFaultRates;
  /** Give up after this long (a safety net: the run ends when every packet is accounted for). */
  timeoutMs: number;
}

export const DEFAULT_SELFTEST: SelftestOptions = {
  packets: 2000,
  seed: 1,
  faults: { drop: 0.01, corrupt: 0.02, duplicate: 0.01, truncate: 0.03, garbage: 0.05, text: 0.02 },
  timeoutMs: 120_000,
};
