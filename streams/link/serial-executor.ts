import { Fifo } from './fifo.js';

/**
 * Runs handlers one at a time. A handler that causes another input synchronously (a loop-back
 * link in a test, a timer firing inside a flush) queues it instead of re-entering the state
 * machine halfway through an update.
 */
export interface SerialExecutor {
  run(fn: () => void): void;
  /** The same for one argument, without allocating a closure in the common case. */
  runWith<T>(handler: (arg: T) => void, arg: T): void;
}

/** `onIdle`: after each run, once the backlog it caused is done too (deferred work goes there). */
export function createSerialExecutor(onIdle?: () => void): SerialExecutor {
  let busy = false;
  // A Fifo, not an array's shift(): a board app may queue 200 000 sends in one handler, and
  // shifting a long array moves every element each time (seconds of a frozen loop).
  const backlog = new Fifo<() => void>();
  const drain = (): void => {
    for (let next = backlog.shift(); next; next = backlog.shift()) next();
  };
  return {
    run(fn) {
      this.runWith((f: () => void) => f(), fn);
    },
    runWith(handler, arg) {
      if (busy) {
        backlog.push(() => handler(arg));
        return;
      }
      busy = true;
      try {
        handler(arg);
        drain();
        onIdle?.();
      } finally {
        busy = false;
      }
    },
  };
}
