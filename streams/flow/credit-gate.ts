import { Observable, type OperatorFunction } from 'rxjs';

export type CreditEvent =
  /** A frame for `key` (a connection) was delivered and holds a receive slot. */
  | { type: 'frame'; key: number }
  /** `key`'s sink (its broker socket) is congested (true) or drained (false). */
  | { type: 'blocked'; key: number; blocked: boolean }
  /** `key` is gone: whatever it held is released. */
  | { type: 'forget'; key: number };

/**
 * Board -> broker flow control in framed mode: emits how many receive slots to hand back to
 * the board (link `consumed`). A frame for a connection whose broker socket keeps up frees its
 * slot at once; while the socket is congested its frames keep their slots, so the board's
 * credit runs out and it stops sending, until the socket drains.
 */
export function creditGate(): OperatorFunction<CreditEvent, number> {
  return (source) =>
    new Observable<number>((subscriber) => {
      const held = new Map<number, number>(); // key -> frames held; present = blocked
      const release = (key: number): void => {
        const n = held.get(key);
        held.delete(key);
        if (n) subscriber.next(n);
      };
      return source.subscribe({
        next(e) {
          switch (e.type) {
            case 'frame': {
              const n = held.get(e.key);
              if (n === undefined) subscriber.next(1);
              else held.set(e.key, n + 1);
              return;
            }
            case 'blocked':
              if (!e.blocked) return release(e.key);
              if (!held.has(e.key)) held.set(e.key, 0);
              return;
            case 'forget':
              return release(e.key);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
