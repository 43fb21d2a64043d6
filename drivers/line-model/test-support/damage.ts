/**
 * Whether `received` can be `sent` with `drops` bytes deleted and single-bit errors in the rest,
 * and if so the fewest bit errors that explain it; undefined if it cannot (bytes reordered,
 * invented, or damaged beyond one bit). A banded edit distance: O(sent.length x drops).
 */
export function fewestBitErrors(sent: Buffer, received: Buffer, drops: number): number | undefined {
  if (sent.length - received.length !== drops) return undefined;
  const oneBit = (a: number, b: number): boolean => {
    const x = a ^ b;
    return x !== 0 && (x & (x - 1)) === 0;
  };
  // row[d]: fewest flips aligning sent[0, i) with received[0, i - d), d bytes deleted so far.
  let row = new Array<number>(drops + 1).fill(Number.POSITIVE_INFINITY);
  row[0] = 0;
  for (let i = 0; i < sent.length; i++) {
    const next = new Array<number>(drops + 1).fill(Number.POSITIVE_INFINITY);
    for (let d = 0; d <= drops; d++) {
      const cost = row[d];
      if (cost === Number.POSITIVE_INFINITY) continue;
      if (d < drops) next[d + 1] = Math.min(next[d + 1], cost); // sent[i] dropped
      const j = i - d;
      if (j < received.length) {
        if (sent[i] === received[j]) next[d] = Math.min(next[d], cost);
        else if (oneBit(sent[i], received[j])) next[d] = Math.min(next[d], cost + 1);
      }
    }
    row = next;
  }
  return row[drops] === Number.POSITIVE_INFINITY ? undefined : row[drops];
}

/** Whether `part` is `whole` with some bytes left out, nothing reordered or added. */
export function isSubsequence(part: Buffer, whole: Buffer): boolean {
  let j = 0;
  for (let i = 0; i < whole.length && j < part.length; i++) if (whole[i] === part[j]) j++;
  return j === part.length;
}
