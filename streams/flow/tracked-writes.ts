import { Observable, type OperatorFunction } from 'rxjs';

export type WriteProgress<T> =
  /** Bytes handed to `write` whose promise has not settled yet, after every change. */
  | { type: 'pending'; bytes: number }
  /** This item's write settled: the sink has taken it (a socket flushed it to the kernel). */
  | { type: 'written'; item: T }
  | { type: 'failed'; item: T; error: unknown };

/**
 * Items -> writes to a sink that honours backpressure (a socket's write callback, a serial
 * link's drain), reporting each completion and the bytes still in flight. Completions drive
 * credit (grant the board another frame once its packet reached the broker socket); the
 * pending level, through `hysteresis`, pauses whatever feeds the sink. Writes are issued at
 * once (the sink keeps their order); completions are reported in order.
 */
export function trackedWrites<T>(write: (item: T) => Promise<void>, size: (item: T) => number): OperatorFunction<T, WriteProgress<T>> {
  return (source) =>
    new Observable<WriteProgress<T>>((subscriber) => {
      // Writes in issue order; each settles in any order, and is reported once all before it are.
      const queue: { item: T; bytes: number; outcome?: { error?: unknown } }[] = [];
      let pending = 0;
      let closed = false;
      let sourceDone = false;
      const report = (): void => {
        while (!closed && queue.length > 0 && queue[0].outcome) {
          const { item, bytes, outcome } = queue.shift() as (typeof queue)[number];
          pending -= bytes;
          subscriber.next('error' in (outcome as object) ? { type: 'failed', item, error: (outcome as { error: unknown }).error } : { type: 'written', item });
          subscriber.next({ type: 'pending', bytes: pending });
        }
        if (!closed && sourceDone && queue.length === 0) subscriber.complete();
      };
      const sub = source.subscribe({
        next(item) {
          const entry: (typeof queue)[number] = { item, bytes: size(item) };
          queue.push(entry);
          pending += entry.bytes;
          subscriber.next({ type: 'pending', bytes: pending });
          write(item).then(
            () => {
              entry.outcome = {};
              report();
            },
            (error: unknown) => {
              entry.outcome = { error };
              report();
            },
          );
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          report();
        },
      });
      return () => {
        closed = true;
        sub.unsubscribe();
      };
    });
}
