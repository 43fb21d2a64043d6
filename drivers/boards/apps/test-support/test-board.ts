import type { BoardAppContext, RunningApp } from '../board-app.js';
import { createMailbox, type Mailbox } from '../../test-support/mailbox.js';
import { createFakeMqttModule, type FakeMqttModule } from './fake-mqtt-module.js';

/** A board clock that moves only when the test says so. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
  /**
   * Resolves at the app's next read of the clock. A test that saw the app print "sleeping" waits
   * for it before advance(), or the advance could land before the sleep computed its deadline.
   */
  nextRead(): Promise<void>;
}

export function createTestClock(startMs = 1_000_000): TestClock {
  let now = startMs;
  let readers: (() => void)[] = [];
  return {
    now() {
      const woken = readers;
      readers = [];
      for (const wake of woken) wake();
      return now;
    },
    advance(ms) {
      now += ms;
    },
    nextRead: () => new Promise((resolve) => readers.push(resolve)),
  };
}

/** A board for app tests: the fake mqtt module, a console to read, a clock, and cleanup. */
export interface TestBoard {
  readonly ctx: BoardAppContext;
  readonly mqtt: FakeMqttModule;
  /** Console lines not taken yet. */
  readonly console: Mailbox<string>;
  /** Every console line, in order. */
  readonly lines: readonly string[];
  /** Boots `app` on this board; stopAll() stops it. */
  boot<T extends RunningApp>(app: (ctx: BoardAppContext) => T): T;
  stopAll(): Promise<void>;
}

export function createTestBoard(clock: Pick<TestClock, 'now'> = { now: () => Date.now() }): TestBoard {
  const mqtt = createFakeMqttModule();
  const console = createMailbox<string>();
  const lines: string[] = [];
  const running: RunningApp[] = [];
  const ctx: BoardAppContext = {
    mqtt,
    log(text) {
      lines.push(text);
      console.put(text);
    },
    now: () => clock.now(),
  };
  return {
    ctx,
    mqtt,
    console,
    lines,
    boot(app) {
      const started = app(ctx);
      running.push(started);
      return started;
    },
    async stopAll() {
      await Promise.all(running.splice(0).map((app) => app.stop()));
    },
  };
}

