import { tap, type MonoTypeOperatorFunction } from 'rxjs';

/** A nanosecond clock; process.hrtime.bigint in the bridge, a counter in unit tests. */
export type NowNs = () => bigint;

export const hrNow: NowNs = () => process.hrtime.bigint();

/** The time the last value passed; read by a stamp taken later in the same synchronous run. */
export interface ArrivalCell {
  at: bigint;
}

/**
 * Notes when each value (a socket read, a line chunk) arrives, before the operators after it
 * run: whatever they emit synchronously was completed by that arrival.
 */
export function stampArrival<T>(cell: ArrivalCell, now: NowNs = hrNow): MonoTypeOperatorFunction<T> {
  return tap(() => {
    cell.at = now();
  });
}
