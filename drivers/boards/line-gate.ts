import { defer, EMPTY, Subject, takeUntil } from 'rxjs';
import type { ByteLine } from '../../streams/link/link-over-line.js';

export interface GatedLine {
  readonly line: ByteLine;
  readonly isCut: boolean;
  /** From now on nothing reaches the line and nothing is read from it. */
  cut(): void;
}

/**
 * The board's line behind a switch, so that a power cut is honest by construction: whatever is
 * still running on the board afterwards (timers, MQTT.js callbacks) cannot put a byte on the wire.
 */
export function gateLine(line: ByteLine): GatedLine {
  let isCut = false;
  const cut$ = new Subject<void>();
  return {
    line: {
      data$: defer(() => (isCut ? EMPTY : line.data$.pipe(takeUntil(cut$)))),
      write: (bytes) => (isCut ? Promise.resolve() : line.write(bytes)),
    },
    get isCut() {
      return isCut;
    },
    cut() {
      if (isCut) return;
      isCut = true;
      cut$.next();
      cut$.complete();
    },
  };
}
