/**
 * Resolves 'stalled' once progress() has stayed the same for quietMs, or 'completed' if the
 * work settles first. Showing that something does NOT happen takes waiting; this waits for
 * the writer to stop moving rather than for a fixed time, so a slow machine only waits longer.
 */
export function waitForStall(progress: () => number, work: Promise<unknown>, quietMs = 300): Promise<'stalled' | 'completed'> {
  return new Promise((resolve, reject) => {
    let last = progress();
    let quietSince = Date.now();
    const timer = setInterval(() => {
      const now = progress();
      if (now !== last) [last, quietSince] = [now, Date.now()];
      else if (Date.now() - quietSince >= quietMs) finish('stalled');
    }, 20);
    const finish = (outcome: 'stalled' | 'completed'): void => {
      clearInterval(timer);
      resolve(outcome);
    };
    work.then(
      () => finish('completed'),
      (error: unknown) => {
        clearInterval(timer);
        reject(error);
      },
    );
  });
}

/** Resolves after the event loop has gone round n times (one timer phase each). */
export async function loopTurns(n: number): Promise<number> {
  for (let turn = 0; turn < n; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
  return n;
}
