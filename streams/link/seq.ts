// 8-bit sequence arithmetic: everything is compared as a forward distance modulo 256.

/** Forward distance from b to a (0..255). */
export function seqDiff(a: number, b: number): number {
  return (a - b) & 0xff;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) & 0xff;
}
