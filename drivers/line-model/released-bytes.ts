/**
 * The bytes one release hands on, gathered as spans of the queued chunks and then copied once
 * into a fresh buffer: the consumer owns what it gets (it may decode in place), and a bit error
 * never touches the writer's buffer or a chunk the inner line may share with others.
 */
export interface ReleasedBytes {
  /** src[start, end) passes. */
  span(src: Buffer, start: number, end: number): void;
  /** XOR `mask` into the byte most recently added by span(). */
  flipLast(mask: number): void;
  readonly length: number;
  build(): Buffer;
}

export function createReleasedBytes(): ReleasedBytes {
  const spans: { src: Buffer; start: number; end: number }[] = [];
  const flips: { at: number; mask: number }[] = [];
  let length = 0;
  return {
    span(src, start, end) {
      if (end <= start) return;
      const last = spans[spans.length - 1];
      if (last !== undefined && last.src === src && last.end === start) last.end = end;
      else spans.push({ src, start, end });
      length += end - start;
    },
    flipLast(mask) {
      flips.push({ at: length - 1, mask });
    },
    get length() {
      return length;
    },
    build() {
      const out = Buffer.allocUnsafe(length);
      let at = 0;
      for (const s of spans) at += s.src.copy(out, at, s.start, s.end);
      for (const f of flips) out[f.at] ^= f.mask;
      return out;
    },
  };
}
