/**
 * The capture phase (0 = off, 1 = on) a publish is counted to, or undefined: the host clock is
 * cut into phases of `phaseNs` from its zero, and a publish counts only if it went out at least
 * `guardNs` after its phase began (the capture switch may come that late) and was confirmed
 * before the phase ended, so that both ends of it saw one side only.
 */
export function phaseOf(sentNs: bigint, confirmedNs: bigint, phaseNs: bigint, guardNs: bigint): 0 | 1 | undefined {
  if (phaseNs <= 0n) return undefined;
  const phase = sentNs / phaseNs;
  if (sentNs - phase * phaseNs < guardNs || confirmedNs >= (phase + 1n) * phaseNs) return undefined;
  return phase % 2n === 0n ? 0 : 1;
}
