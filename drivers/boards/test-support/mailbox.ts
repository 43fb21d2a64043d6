/** Items in arrival order; a test takes the next one matching what it expects, waiting if need be. */
export interface Mailbox<T> {
  put(item: T): void;
  /** Removes and returns the first item matching, now or when it arrives; the timeout is only a safety net. */
  take(match: (item: T) => boolean, what: string, timeoutMs?: number): Promise<T>;
  /** Items not taken yet. */
  pending(): readonly T[];
}

export function createMailbox<T>(): Mailbox<T> {
  const items: T[] = [];
  const waiters = new Set<{ match: (item: T) => boolean; deliver: (item: T) => void }>();
  return {
    put(item) {
      for (const waiter of waiters) {
        if (!waiter.match(item)) continue;
        waiters.delete(waiter);
        waiter.deliver(item);
        return;
      }
      items.push(item);
    },
    take(match, what, timeoutMs = 15_000) {
      const index = items.findIndex(match);
      if (index >= 0) return Promise.resolve(items.splice(index, 1)[0]);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          deliver: (item: T) => {
            clearTimeout(timer);
            resolve(item);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${what} within ${timeoutMs} ms; pending: ${items.length}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    pending: () => items,
  };
}
