/**
 * Items that arrive over time (messages an observer saw), with a promise per condition: tests
 * wait for what they expect to arrive, not for a guessed delay.
 */
export interface Collected<T> {
  readonly items: T[];
  push(item: T): void;
  /** Resolves as soon as `done(items)` holds (at once if it already does). */
  until(done: (items: readonly T[]) => boolean): Promise<void>;
}

export function collected<T>(): Collected<T> {
  const items: T[] = [];
  let waiters: { done: (items: readonly T[]) => boolean; resolve: () => void }[] = [];
  return {
    items,
    push(item) {
      items.push(item);
      const ready = waiters.filter((w) => w.done(items));
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve();
    },
    until(done) {
      if (done(items)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ done, resolve }));
    },
  };
}
