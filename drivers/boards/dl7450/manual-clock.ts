import type { BoardClock } from './dl7450-board.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A board clock that only moves when told to: reconnect back-off (1 s .. 60 s) is checked
 * exactly, without waiting for it. The rest of the system (link, bridge, broker) keeps real time.
 */
export function createManualClock(start = 0) {
  let now = start;
  let nextId = 1;
  const timers: Timer[] = [];
  const clock: BoardClock & {
    /** Delays (from now) of the timers waiting, soonest first. */
    pending(): number[];
    /** Moves time forward, running every timer that falls due, in order. */
    advance(ms: number): void;
  } = {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { id: nextId++, due: now + Math.max(0, ms), fn };
      timers.push(t);
      timers.sort((a, b) => a.due - b.due || a.id - b.id);
      return t.id;
    },
    clearTimeout(handle) {
      const i = timers.findIndex((t) => t.id === handle);
      if (i >= 0) timers.splice(i, 1);
    },
    pending: () => timers.map((t) => t.due - now),
    advance(ms) {
      const target = now + ms;
      for (let t = timers[0]; t && t.due <= target; t = timers[0]) {
        timers.shift();
        now = t.due;
        t.fn();
      }
      now = target;
    },
  };
  return clock;
}
