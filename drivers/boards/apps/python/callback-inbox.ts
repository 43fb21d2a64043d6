import type { CallbackEvent } from './rpc-codec.js';

/** What a sleeping Python app is woken with: callbacks to run, and whether its deadline passed. */
export interface WakeUp {
  events: CallbackEvent[];
  due: boolean;
}

/**
 * The main-thread half of Python's event loop: callbacks from the `mqtt` module wait here until
 * the app sleeps, and a sleeping app is woken by a callback or by its deadline on the board clock.
 */
export interface CallbackInbox {
  push(event: CallbackEvent): void;
  /**
   * Answers once (`until` on the board clock, null = never due): at once if due, or if `deliver`
   * and callbacks are waiting; else at the first callback (when `deliver`) or at the deadline.
   * A sleep inside a callback passes `deliver: false`, so callbacks never nest.
   */
  wait(until: number | null, deliver: boolean, answer: (wake: WakeUp) => void): void;
  /** Drops queued callbacks and any pending wait; later pushes are ignored. */
  close(): void;
}

// The board clock may be fake or scaled and says nothing when it moves, so a sleeper re-reads it
// at least this often; with a real clock the timer simply lands on the deadline.
const CLOCK_POLL_MS = 20;

export function createCallbackInbox(now: () => number): CallbackInbox {
  const queue: CallbackEvent[] = [];
  let sleeper: { until: number | null; deliver: boolean; answer: (wake: WakeUp) => void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wakeScheduled = false;
  let closed = false;

  function check(): void {
    clearTimeout(timer);
    timer = undefined;
    if (!sleeper) return;
    const due = sleeper.until !== null && now() >= sleeper.until;
    const ready = sleeper.deliver && queue.length > 0;
    if (due || ready) {
      const { answer, deliver } = sleeper;
      sleeper = undefined;
      answer({ events: deliver ? queue.splice(0) : [], due });
      return;
    }
    if (sleeper.until !== null) timer = setTimeout(check, Math.min(Math.max(sleeper.until - now(), 0), CLOCK_POLL_MS));
  }

  return {
    push(event) {
      if (closed) return;
      queue.push(event);
      // Callbacks often come in bursts within one turn (a batch of packets): wake the app once.
      if (sleeper?.deliver && !wakeScheduled) {
        wakeScheduled = true;
        queueMicrotask(() => {
          wakeScheduled = false;
          if (!closed) check();
        });
      }
    },
    wait(until, deliver, answer) {
      if (closed) return;
      if (sleeper) throw new Error('callback inbox: a second wait while one is pending (the worker is single-threaded)');
      sleeper = { until, deliver, answer };
      check();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      sleeper = undefined;
      queue.length = 0;
    },
  };
}
