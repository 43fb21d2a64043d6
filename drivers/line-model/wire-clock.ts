// Slack for float error when comparing times: far below one byte time at any real baud rate.
const EPSILON_BYTES = 1e-6;
const EPSILON_MS = 1e-9;

export interface WireClock {
  /** The wire went idle before `now`: a new busy period starts now, with a full burst allowance. */
  wake(now: number): void;
  /** Byte slots that may be released by `now` (Infinity when unthrottled). */
  releasable(now: number): number;
  /** When the next byte may be released. */
  nextReleaseAt(): number;
  /** `n` bytes were released. */
  take(n: number): void;
  /** Nothing is released for `ms` from when the next byte would have gone (or from `now`, if later). */
  stall(now: number, ms: number): void;
  /** New rate or burst from here on; the wire keeps its place. */
  retune(baud: number | undefined, burstBytes: number): void;
}

/**
 * Byte slots on one direction of a line, as a token bucket: byte k of a busy period may be
 * released `burstBytes` byte-times before it finishes on the wire. Times are computed from the
 * start of the busy period and a byte count, never accumulated, so that 11 520 bytes at 115 200
 * baud end at exactly 1000 ms in virtual time, and a timer that fires late loses no line time.
 */
export function createWireClock(baud: number | undefined, burstBytes: number): WireClock {
  let epoch = Number.NEGATIVE_INFINITY; // start of the busy period
  let slots = 0; // bytes released since epoch
  let stalled = 0; // ms the line stood still since epoch
  let rate = baud;
  let burst = burstBytes;

  const byteTime = (bytes: number): number => (rate === undefined ? 0 : (bytes * 10_000) / rate);
  const base = (): number => epoch + stalled;
  /** When the last released byte finishes on the wire (plus any stall already decided). */
  const wireAt = (): number => base() + byteTime(slots);
  const nextReleaseAt = (): number => (rate === undefined ? base() : base() + byteTime(slots + 1 - burst));

  return {
    wake(now) {
      if (wireAt() >= now) return;
      epoch = now;
      slots = 0;
      stalled = 0;
    },
    releasable(now) {
      if (rate === undefined) return now + EPSILON_MS >= base() ? Number.POSITIVE_INFINITY : 0;
      const allowed = Math.floor(((now - base()) * rate) / 10_000 + EPSILON_BYTES) + burst;
      return Math.max(0, allowed - slots);
    },
    nextReleaseAt,
    take(n) {
      slots += n;
    },
    stall(now, ms) {
      const due = nextReleaseAt();
      stalled += Math.max(now, due) + ms - due;
    },
    retune(newBaud, newBurst) {
      const at = wireAt();
      rate = newBaud;
      burst = newBurst;
      epoch = at;
      slots = 0;
      stalled = 0;
    },
  };
}
