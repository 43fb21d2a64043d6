import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Runs each value's whole downstream work inside `wrap`: `wrap(run)` must call `run()` once,
 * synchronously, and may do something before and after it. What a chunk from the line sets off
 * downstream (every packet split from it, each written) then sits between one "before" and one
 * "after", e.g. holding a socket's writes so the chunk's packets leave in one syscall.
 */
export function aroundEach<T>(wrap: (run: () => void) => void): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => wrap(() => subscriber.next(value)),
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
