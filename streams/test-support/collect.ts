import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';

/** Runs a synchronous operator over the given inputs and returns everything it emitted. */
export function runOperator<I, O>(op: OperatorFunction<I, O>, inputs: I[]): Promise<O[]> {
  return lastValueFrom(from(inputs).pipe(op, toArray()));
}

/** Splits a buffer into chunks at the given offsets (sorted, in range). */
export function splitAt(buf: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => Math.max(0, Math.min(buf.length, o))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    if (c > prev) chunks.push(buf.subarray(prev, c));
    prev = c;
  }
  return chunks;
}
