interface Run {
  first: Buffer;
  start: number;
  end: number;
}

/**
 * Buffers to write one after another, those that lie next to each other in memory joined
 * into one view (no copy). The packets split from one read from the board are such slices
 * of the read, so a burst of them reaches the socket as one buffer, not one write each.
 */
export class AdjacentRuns {
  private runs: Run[] = [];

  get empty(): boolean {
    return this.runs.length === 0;
  }

  add(bytes: Buffer): void {
    const last = this.runs.length === 0 ? undefined : this.runs[this.runs.length - 1];
    if (last !== undefined && last.first.buffer === bytes.buffer && last.end === bytes.byteOffset) {
      last.end += bytes.length;
      return;
    }
    this.runs.push({ first: bytes, start: bytes.byteOffset, end: bytes.byteOffset + bytes.length });
  }

  /** The runs, in order, and forgets them. */
  take(): Buffer[] {
    const out = this.runs.map((r) => (r.end - r.start === r.first.length ? r.first : Buffer.from(r.first.buffer, r.start, r.end - r.start)));
    this.runs = [];
    return out;
  }
}
