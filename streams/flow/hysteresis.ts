import { Observable, type OperatorFunction } from 'rxjs';

export interface HysteresisOptions {
  /** At or above this level: congested. */
  high: number;
  /** At or below this level: clear again. Must be below `high`, so the state cannot flap. */
  low: number;
}

export interface Hysteresis {
  /** Feeds a level; returns the new state when it changed, else undefined. */
  update(level: number): boolean | undefined;
  readonly congested: boolean;
}

function check({ high, low }: HysteresisOptions): void {
  if (!(Number.isFinite(high) && Number.isFinite(low) && low >= 0 && low < high)) {
    throw new RangeError(`hysteresis: need 0 <= low < high, got low ${low}, high ${high}`);
  }
}

export function createHysteresis({ high, low }: HysteresisOptions): Hysteresis {
  check({ high, low });
  let congested = false;
  return {
    update(level) {
      if (!congested && level >= high) return (congested = true);
      if (congested && level <= low) return (congested = false);
      return undefined;
    },
    get congested() {
      return congested;
    },
  };
}

/**
 * Levels (bytes queued, bytes in flight) -> congested true/false, emitted only on changes:
 * true once the level reaches `high`, false once it is back down to `low`. Drives pausing a
 * source (a broker socket, a serial port) until what it fed has drained.
 */
export function hysteresis(options: HysteresisOptions): OperatorFunction<number, boolean> {
  check(options);
  return (source) =>
    new Observable<boolean>((subscriber) => {
      const h = createHysteresis(options);
      return source.subscribe({
        next(level) {
          const changed = h.update(level);
          if (changed !== undefined) subscriber.next(changed);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
