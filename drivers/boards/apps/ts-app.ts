import type { BoardApp, BoardAppContext, RunningApp } from './board-app.js';
import { logLines } from './log-lines.js';

// Apps made here (or by the Python runtime) are marked, so that loadBoardApp can tell a ready
// BoardApp from a bare `main` function: both are functions and arity says nothing reliable.
const boardApps = new WeakSet<object>();

export function markBoardApp<T extends BoardApp>(app: T): T {
  boardApps.add(app);
  return app;
}

export function isBoardApp(value: unknown): value is BoardApp {
  return typeof value === 'function' && boardApps.has(value);
}

/**
 * A board app written in TypeScript. `main` starts the app: it may return at once (its callbacks
 * keep it alive, like a Python script whose top level returned) or run until `signal` aborts.
 * An error thrown by `main` goes to the board's console and ends the app. stop() aborts `signal`
 * and waits for a still-running `main` to settle, so `main` must honour the signal.
 */
export function tsApp(main: (ctx: BoardAppContext, signal: AbortSignal) => void | Promise<void>): BoardApp {
  return markBoardApp((ctx) => startTsApp(ctx, main));
}

function startTsApp(
  ctx: BoardAppContext,
  main: (ctx: BoardAppContext, signal: AbortSignal) => void | Promise<void>,
): RunningApp {
  const controller = new AbortController();
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const ran = runMain(ctx, main, controller.signal);
  const done = ran.then((outcome) => (outcome === 'failed' ? undefined : stopped));
  return {
    done,
    async stop() {
      controller.abort();
      markStopped();
      await done;
    },
  };
}

async function runMain(
  ctx: BoardAppContext,
  main: (ctx: BoardAppContext, signal: AbortSignal) => void | Promise<void>,
  signal: AbortSignal,
): Promise<'returned' | 'failed'> {
  try {
    await main(ctx, signal);
    return 'returned';
  } catch (error) {
    // Errors caused by the stop itself (aborted waits) are the normal way out, not a crash.
    if (signal.aborted) return 'returned';
    logLines(ctx, error instanceof Error ? (error.stack ?? String(error)) : `uncaught: ${String(error)}`);
    return 'failed';
  }
}
