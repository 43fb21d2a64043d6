// Serial-line faults, Toxiproxy-style but for bytes on a wire: what a noisy UART, a loose
// cable or a power cut does to a frame. Seeded, so a failing run can be replayed exactly.

/** A deterministic PRNG (mulberry32): the same seed gives the same fault decisions. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Probabilities per frame, each 0..1. */
export interface LineFaultRates {
  /** The frame never arrives. */
  drop: number;
  /** One byte of it is changed (a CRC error, or a 0x00 that splits it). */
  corrupt: number;
  /** It arrives twice. */
  duplicate: number;
  /** Only its beginning arrives, as when power is cut mid-frame. */
  truncate: number;
  /** Random bytes (zeros included) arrive before it, as line noise. */
  garbage: number;
  /** A line of console text arrives before it, as from a boot ROM. */
  text: number;
}

export const NO_FAULTS: LineFaultRates = { drop: 0, corrupt: 0, duplicate: 0, truncate: 0, garbage: 0, text: 0 };

export type FaultKind = keyof LineFaultRates;

/** Applies faults to one encoded frame; returns the byte runs that reach the far end. */
export type LineFaults = (wire: Buffer) => Buffer[];

export function createLineFaults(random: () => number, rates: Partial<LineFaultRates>, onFault?: (kind: FaultKind, bytes: number) => void): LineFaults {
  const r: LineFaultRates = { ...NO_FAULTS, ...rates };
  for (const [name, p] of Object.entries(r)) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`fault rate "${name}" must be between 0 and 1, got ${p}`);
  }
  const note = onFault ?? (() => undefined);
  return (wire) => {
    const out: Buffer[] = [];
    if (random() < r.text) {
      const line = Buffer.from(`boot: noise line ${Math.floor(random() * 1e6)}\r\n`);
      out.push(line);
      note('text', line.length);
    }
    if (random() < r.garbage) {
      const junk = Buffer.alloc(1 + Math.floor(random() * 32));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(random() * 256);
      out.push(junk);
      note('garbage', junk.length);
    }
    if (random() < r.drop) {
      note('drop', wire.length);
      return out;
    }
    let bytes = wire;
    if (random() < r.corrupt) {
      bytes = Buffer.from(wire);
      bytes[1 + Math.floor(random() * (bytes.length - 2))] ^= 1 + Math.floor(random() * 255);
      note('corrupt', 1);
    } else if (random() < r.truncate) {
      bytes = wire.subarray(0, 1 + Math.floor(random() * (wire.length - 1)));
      note('truncate', wire.length - bytes.length);
    }
    out.push(bytes);
    if (random() < r.duplicate) {
      out.push(Buffer.from(bytes)); // a copy: the far end may decode the first in place
      note('duplicate', bytes.length);
    }
    return out;
  };
}
