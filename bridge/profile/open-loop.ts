import { hrNow, type NowNs } from '../../streams/timing/clock.js';

export interface OpenLoopOptions {
  ratePerSecond: number;
  durationMs: number;
  /** Sends message `seq`, meant for `intended` (late if the loop was held up). */
  send(seq: number, intended: bigint): void;
  now?: NowNs;
  signal?: AbortSignal;
}

/**
 * Sends on a fixed schedule whatever happens to the replies: message n is due at start + n /
 * rate, and a stall makes the loop catch up, not skip, so each delayed message carries its
 * delay (measured from `intended`). A closed loop that waits for each reply would hide the
 * stall in one sample: coordinated omission. Resolves with the number sent.
 */
export function runOpenLoop(options: OpenLoopOptions): Promise<number> {
  const now = options.now ?? hrNow;
  const periodNs = 1e9 / options.ratePerSecond;
  const total = Math.floor((options.durationMs * options.ratePerSecond) / 1000);
  const start = now();
  let seq = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      if (options.signal?.aborted) return resolve(seq);
      const elapsed = Number(now() - start);
      while (seq < total && seq * periodNs <= elapsed) {
        options.send(seq, start + BigInt(Math.round(seq * periodNs)));
        seq++;
        if (options.signal?.aborted) return resolve(seq); // a catch-up burst stops too
      }
      if (seq >= total) return resolve(seq);
      const waitMs = (seq * periodNs - Number(now() - start)) / 1e6;
      // Timers are ms-grained: wake early and let the loop send what is due.
      setTimeout(tick, Math.max(0, Math.floor(waitMs)));
    };
    tick();
  });
}
