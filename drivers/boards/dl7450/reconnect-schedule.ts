/** After a failed attempt or a lost connection: 1, 2, 4, 8, 16, 32 s, then every 60 s. */
const DELAYS_S = [1, 2, 4, 8, 16, 32];
const STEADY_S = 60;

export function createReconnectSchedule() {
  let attempt = 0;
  return {
    /** The wait before the next attempt, in ms; each call moves one step along. */
    next(): number {
      const s = attempt < DELAYS_S.length ? DELAYS_S[attempt] : STEADY_S;
      attempt++;
      return s * 1000;
    },
    /** A connection succeeded: start again from 1 s. */
    reset(): void {
      attempt = 0;
    },
  };
}
