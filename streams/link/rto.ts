// Retransmission timeout estimation as in RFC 6298: smoothed RTT and its variance, Karn's rule
// (callers only sample frames that were sent once), exponential back-off on timeouts. A serial
// line's round trip depends on baud rate and frame size, so a fixed timeout would be wrong for
// one of 9600 or 3 000 000 baud.

export interface RtoOptions {
  initialMs: number;
  minMs: number;
  maxMs: number;
}

export interface RtoEstimator {
  sample(rttMs: number): void;
  /** Current timeout including back-off. */
  timeoutMs(): number;
  backOff(): void;
  resetBackOff(): void;
  srttMs(): number | undefined;
}

const CLOCK_GRANULARITY_MS = 1;

export function createRtoEstimator(options: RtoOptions): RtoEstimator {
  let srtt: number | undefined;
  let rttvar = 0;
  let rto = options.initialMs;
  let backOff = 1;
  const clamp = (ms: number) => Math.min(options.maxMs, Math.max(options.minMs, ms));
  return {
    sample(rttMs) {
      if (srtt === undefined) {
        srtt = rttMs;
        rttvar = rttMs / 2;
      } else {
        rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - rttMs);
        srtt = 0.875 * srtt + 0.125 * rttMs;
      }
      rto = clamp(srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * rttvar));
    },
    timeoutMs: () => Math.min(options.maxMs, rto * backOff),
    backOff() {
      if (rto * backOff < options.maxMs) backOff *= 2;
    },
    resetBackOff() {
      backOff = 1;
    },
    srttMs: () => srtt,
  };
}
