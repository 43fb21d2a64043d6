import { randomInt } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import type { ByteLine } from '../../../streams/link/link-over-line.js';
import { createVirtualBoard, type BoardEvent, type LinkTuning, type VirtualBoard } from '../virtual-board.js';
import { createMqttModule, type BootMqtt } from './mqtt-module.js';
import type { Dl7450MqttModule } from './mqtt-module-types.js';

/** A line that can lose the bytes it has not sent yet (drivers/line-model). */
interface CuttableLine {
  dropUnsent(): number;
}

/** What an app gets at boot (matches apps/board-app.ts's BoardAppContext). */
export interface AppContext {
  mqtt: Dl7450MqttModule;
  log(text: string): void;
  now(): number;
}

/** An app as the board runs it (matches apps/board-app.ts's BoardApp). */
export type AppRunner = (ctx: AppContext) => { readonly done: Promise<void>; stop(): Promise<void> };

/** The board's time: real by default, scaled or fake in tests (reconnect back-off is 1 s .. 60 s). */
export interface BoardClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: BoardClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface Dl7450BoardOptions {
  line: ByteLine;
  app?: AppRunner;
  id?: string;
  firmware?: string;
  /** Time from power on to HELLO. */
  bootDelayMs?: number;
  mtu?: number;
  window?: number;
  link?: LinkTuning;
  /** Publishes queued or unacknowledged before publish() raises MqttError(-4). */
  maxPending?: number;
  clock?: BoardClock;
}

export type PowerState = 'off' | 'booting' | 'on';

export type Dl7450Event =
  | { type: 'power'; state: PowerState; boot: number; /** Off: bytes of unsent frames cut short on a throttled line. */ droppedBytes?: number }
  | { type: 'app-ended'; boot: number; error?: unknown }
  | { type: 'board'; boot: number; event: BoardEvent };

export interface Dl7450Board {
  readonly id: string;
  readonly state: PowerState;
  /** This boot's `mqtt` module (undefined while off), for TypeScript tests driving the board. */
  readonly mqtt: Dl7450MqttModule | undefined;
  readonly events$: Observable<Dl7450Event>;
  /** Boots after bootDelayMs: new boot epoch, HELLO, the app starts again. */
  powerOn(): Promise<void>;
  /** Instantaneous: nothing more is written, RAM (queued and in-flight messages) is lost. */
  powerOff(): void;
  close(): Promise<void>;
}

interface Boot {
  n: number;
  board: VirtualBoard;
  mqtt: BootMqtt;
  app?: ReturnType<AppRunner>;
}

/**
 * A virtual DL-7450: the SDK's `mqtt` module over the link protocol, with the board's power.
 * Each boot is a fresh board (new boot epoch, empty RAM) on the same line.
 */
export function createDl7450Board(options: Dl7450BoardOptions): Dl7450Board {
  const id = options.id ?? 'virtual-dl7450';
  const clock = options.clock ?? realClock;
  const events = new Subject<Dl7450Event>();
  let state: PowerState = 'off';
  let boots = 0;
  let current: Boot | undefined;
  let booting: unknown;

  const setState = (s: PowerState, droppedBytes?: number) => {
    state = s;
    events.next({ type: 'power', state: s, boot: boots, ...(droppedBytes === undefined ? {} : { droppedBytes }) });
  };

  const boot = (): void => {
    const n = ++boots;
    const board = createVirtualBoard({
      line: options.line,
      mode: 'framed',
      id,
      firmware: options.firmware ?? 'dl7450-virtual-1.0',
      mtu: options.mtu,
      window: options.window,
      link: { ...options.link, epoch: randomInt(2 ** 32) },
    });
    board.events$.subscribe((event) => events.next({ type: 'board', boot: n, event }));
    const mqtt = createMqttModule({
      engine: (url, clientOptions, tls) => board.connect(url, clientOptions, tls),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (h) => clock.clearTimeout(h),
      maxPending: options.maxPending ?? 1000,
    });
    current = { n, board, mqtt };
    setState('on');
    if (options.app) {
      const app = options.app({ mqtt: mqtt.module, log: (text) => board.log(text), now: () => clock.now() });
      current.app = app;
      app.done.then(
        () => events.next({ type: 'app-ended', boot: n }),
        (error: unknown) => events.next({ type: 'app-ended', boot: n, error }),
      );
    }
  };

  const off = (): void => {
    if (booting !== undefined) clock.clearTimeout(booting);
    booting = undefined;
    const b = current;
    current = undefined;
    // A line with a pace of its own (a line model) still holds bytes the UART had not sent:
    // they die with the power, so the frame on the wire ends wherever the wire had got to.
    const droppedBytes = b ? (options.line as Partial<CuttableLine>).dropUnsent?.() : undefined;
    if (b) {
      // Order matters: the line goes dead first, so nothing the app or MQTT.js does next can
      // reach it; then RAM is gone.
      b.board.cut();
      b.mqtt.halt();
      void b.app?.stop();
    }
    if (state !== 'off') setState('off', droppedBytes);
  };

  return {
    id,
    get state() {
      return state;
    },
    get mqtt() {
      return current?.mqtt.module;
    },
    events$: events.asObservable(),
    powerOn() {
      if (state !== 'off') return Promise.resolve();
      setState('booting');
      const delay = options.bootDelayMs ?? 500;
      if (delay === 0) {
        boot(); // no timer: a test's manual clock need not be wound to boot the board
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        booting = clock.setTimeout(() => {
          booting = undefined;
          boot();
          resolve();
        }, delay);
      });
    },
    powerOff: off,
    async close() {
      off();
      events.complete();
    },
  };
}
