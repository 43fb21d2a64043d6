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
      let pending = 0;
      let closed = false;
      // Each write settles after the previous one is reported, so completions stay in order.
      let previous: Promise<unknown> = Promise.resolve();
      const sub = source.subscribe({
        next(item) {
          const bytes = size(item);
          pending += bytes;
          subscriber.next({ type: 'pending', bytes: pending });
          const done = write(item).then(
            () => undefined,
            (error: unknown) => ({ error }),
          );
          previous = Promise.all([previous, done]).then(([, outcome]) => {
            if (closed) return;
            pending -= bytes;
            subscriber.next(outcome ? { type: 'failed', item, error: outcome.error } : { type: 'written', item });
            subscriber.next({ type: 'pending', bytes: pending });
          });
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          void previous.then(() => subscriber.complete());
        },
      });
      return () => {
        closed = true;
        sub.unsubscribe();
      };
    });
}
