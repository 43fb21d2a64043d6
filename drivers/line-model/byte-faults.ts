import type { ResolvedFaults } from './line-model-options.js';
import type { ReleasedBytes } from './released-bytes.js';

/** Fault counts of one direction. */
export interface FaultCounts {
  bitErrors: number;
  drops: number;
  stalls: number;
  stalledMs: number;
}

export interface ByteFaults {
  readonly counts: Readonly<FaultCounts>;
  setRates(rates: ResolvedFaults): void;
  /** Whether each byte must be decided alone (stalls change the timing byte by byte). */
  readonly perByteTiming: boolean;
  /** Decided once per byte, before its slot: ms the line stands still first (0: none). */
  stallBefore(): number;
  /** Passes src[start, end) into `out`, minus drops, with bit errors; returns the bytes that survived. */
  pass(src: Buffer, start: number, end: number, out: ReleasedBytes): number;
}

/**
 * Per-byte fault decisions from one seeded PRNG. Draws are made only for faults whose rate is
 * above zero, in byte order, so a direction's faults depend on its seed and its bytes alone and
 * a run replays exactly however the two directions interleave.
 */
export function createByteFaults(random: () => number, rates: ResolvedFaults): ByteFaults {
  let r = rates;
  const counts: FaultCounts = { bitErrors: 0, drops: 0, stalls: 0, stalledMs: 0 };
  return {
    counts,
    setRates(next) {
      r = next;
    },
    get perByteTiming() {
      return r.stall > 0;
    },
    stallBefore() {
      if (r.stall === 0 || random() >= r.stall) return 0;
      counts.stalls++;
      counts.stalledMs += r.stallMs;
      return r.stallMs;
    },
    pass(src, start, end, out) {
      if (r.drop === 0 && r.bitError === 0) {
        out.span(src, start, end);
        return end - start;
      }
      let survived = 0;
      for (let i = start; i < end; i++) {
        if (r.drop > 0 && random() < r.drop) {
          counts.drops++;
          continue;
        }
        out.span(src, i, i + 1);
        survived++;
        if (r.bitError > 0 && random() < r.bitError) {
          out.flipLast(1 << Math.floor(random() * 8));
          counts.bitErrors++;
        }
      }
      return survived;
    },
  };
}
