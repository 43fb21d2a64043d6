import { SerialPort } from 'serialport';
import { cycleByOffOn, PowerError, type PowerDriver, type PowerState } from './power-driver.js';

/** What this driver uses of a serialport binding (the real one, or its mock sibling). */
export interface ModemBinding {
  open(options: { path: string; baudRate: number; hupcl?: boolean }): Promise<ModemPort>;
}
interface ModemPort {
  readonly isOpen: boolean;
  set(lines: { dtr?: boolean; rts?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface ModemLinePowerOptions {
  /** The tty whose modem line drives the relay (usually a USB-serial adapter of its own). */
  port: string;
  line: 'dtr' | 'rts';
  /**
   * level: the line's level is the power (asserted = on, or = off with activeLow, for a
   * normally-closed relay). pulse: on and off each assert the line for pulseMs, as a finger on
   * a power button; the state is then only what was last asked.
   */
  mode: 'level' | 'pulse';
  activeLow?: boolean;
  pulseMs?: number;
  /** serialport's binding (the real one by default; its mock sibling in unit tests). */
  binding?: ModemBinding;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A reset or power relay wired to a serial port's DTR or RTS. The port is opened on first use
 * with hupcl off and kept open, so the line keeps its level between switches (Linux drops DTR
 * and RTS when a tty with hupcl closes).
 */
export function createModemLinePower(options: ModemLinePowerOptions): PowerDriver {
  if (options.line !== 'dtr' && options.line !== 'rts') throw new TypeError(`modem line power: line must be "dtr" or "rts", got ${JSON.stringify(options.line)}`);
  if (options.mode !== 'level' && options.mode !== 'pulse') throw new TypeError(`modem line power: mode must be "level" or "pulse", got ${JSON.stringify(options.mode)}`);
  const pulseMs = options.pulseMs ?? 300;
  if (!Number.isFinite(pulseMs) || pulseMs <= 0) throw new TypeError(`modem line power: pulseMs must be a number > 0, got ${options.pulseMs}`);
  const binding: ModemBinding = options.binding ?? SerialPort.binding;
  const description = `${options.line.toUpperCase()} of ${options.port} (${options.mode}${options.activeLow ? ', active low' : ''})`;
  let opening: Promise<ModemPort> | undefined;
  let last: PowerState = 'unknown';

  const port = (): Promise<ModemPort> => {
    const p = opening ?? binding.open({ path: options.port, baudRate: 9600, hupcl: false }).catch((error: unknown) => {
      opening = undefined;
      throw new PowerError(`${description}: cannot open ${options.port}: ${(error as Error).message}`, { cause: error });
    });
    opening = p;
    return p;
  };
  const assert = async (asserted: boolean): Promise<void> => {
    const p = await port();
    try {
      await p.set({ [options.line]: asserted });
    } catch (error) {
      throw new PowerError(`${description}: cannot set ${options.line.toUpperCase()}: ${(error as Error).message}`, { cause: error });
    }
  };
  const switchTo = async (wanted: 'on' | 'off'): Promise<void> => {
    if (options.mode === 'pulse') {
      await assert(!options.activeLow);
      await sleep(pulseMs);
      await assert(!!options.activeLow);
    } else {
      await assert((wanted === 'on') !== !!options.activeLow);
    }
    last = wanted;
  };
  const driver: PowerDriver = {
    description,
    on: () => switchTo('on'),
    off: () => switchTo('off'),
    cycle: (offMs) => cycleByOffOn(driver, offMs),
    state: () => Promise.resolve(last),
    async close() {
      const p = opening;
      opening = undefined;
      const open = await p?.catch(() => undefined);
      if (open?.isOpen) await open.close();
    },
  };
  return driver;
}
