import { readFile } from 'node:fs/promises';
import { cycleByOffOn, PowerError, type PowerDriver, type PowerState } from './power-driver.js';

// The signals `dl7450-bridge sim` takes for its board's power (bridge/sim/power-signals.ts).
const OFF = 'SIGUSR1';
const ON = 'SIGUSR2';

export interface SignalPowerOptions {
  /** The sim's process id, or a file it was written to (sim --pid-file). */
  pid?: number;
  pidFile?: string;
}

/**
 * The power of a virtual board running in another process (`dl7450-bridge sim`), switched by
 * signals: a bench file can treat it as any powered board. Read from pidFile at every switch,
 * so a restarted sim is found.
 */
export function createSignalPower(options: SignalPowerOptions): PowerDriver {
  if ((options.pid === undefined) === (options.pidFile === undefined)) throw new TypeError('signal power: give either pid or pidFile');
  if (options.pid !== undefined && (!Number.isInteger(options.pid) || options.pid <= 1)) throw new TypeError(`signal power: pid must be a process id, got ${options.pid}`);
  const description = `sim process ${options.pid ?? `in ${options.pidFile}`}`;
  // What we last switched, and for which process: a sim started since (a new pid), or switched
  // by hand (kill -USR1), or one that died, is in no state we know.
  let last: { pid: number; state: PowerState } | undefined;

  const pid = async (): Promise<number> => {
    if (options.pid !== undefined) return options.pid;
    const text = await readFile(options.pidFile as string, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new PowerError(`${description}: cannot read the pid file: ${error.code === 'ENOENT' ? 'no such file (is the sim running?)' : error.message}`);
    });
    const n = Number(text.trim());
    if (!Number.isInteger(n) || n <= 1) throw new PowerError(`${description}: the pid file holds ${JSON.stringify(text.trim())}, not a process id`);
    return n;
  };
  const send = async (signal: typeof OFF | typeof ON, after: PowerState): Promise<void> => {
    const target = await pid();
    try {
      process.kill(target, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new PowerError(`${description}: cannot signal process ${target}: ${code === 'ESRCH' ? 'no such process (is the sim running?)' : (error as Error).message}`);
    }
    last = { pid: target, state: after };
  };
  const driver: PowerDriver = {
    description,
    on: () => send(ON, 'on'),
    off: () => send(OFF, 'off'),
    cycle: (offMs) => cycleByOffOn(driver, offMs),
    async state() {
      const target = await pid().catch(() => undefined);
      if (target === undefined || !alive(target)) return 'unknown';
      return last?.pid === target ? last.state : 'unknown';
    },
    close: () => Promise.resolve(),
  };
  return driver;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // there, but not ours to signal
  }
}
