// The contract between a board and the app it runs. A board boots one app with a context (its
// `mqtt` module, its console, its clock); the app runs until its script fails or the board stops it.
import type { Dl7450MqttModule } from '../dl7450/mqtt-module-types.js';

export interface BoardAppContext {
  /** The board's `mqtt` module (one per boot). */
  mqtt: Dl7450MqttModule;
  /** The board's console: goes out on the link's LOG channel. One call per line. */
  log(text: string): void;
  /** The board's clock in ms since the Unix epoch (injectable, for scaled or fake time in tests). */
  now(): number;
}

/**
 * A started app. `done` resolves once the app has ended: its script raised or exited (a traceback
 * went to the console, as on a board) or stop() ended it. An app whose script returned normally
 * keeps serving its callbacks, so it is not done until stop(). `done` rejects only when the
 * runtime itself failed (e.g. the Python worker could not start); callers must handle that.
 */
export interface RunningApp {
  readonly done: Promise<void>;
  /** Ends the app; resolves once it is gone. Never rejects. */
  stop(): Promise<void>;
}

export type BoardApp = (ctx: BoardAppContext) => RunningApp;

export { tsApp, isBoardApp } from './ts-app.js';
export { loadBoardApp } from './load-board-app.js';
