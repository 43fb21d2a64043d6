import { cycleByOffOn, PowerError, type PowerDriver, type PowerState } from './power-driver.js';
import { runArgv } from './run-argv.js';

export interface UhubctlPowerOptions {
  /** The hub's location as uhubctl lists it: "1-1", "2-1.4". */
  location: string;
  /** The port on that hub, 1-based. */
  port: number;
  /** The program (default "uhubctl" on PATH). */
  binary?: string;
  /** Passed before the action, e.g. ["-r", "5"] for hubs that need repeated off requests. */
  extraArgs?: string[];
  timeoutMs?: number;
}

/** "  Port 2: 0503 power highspeed enable connect [...]" -> the flags after the status word. */
function portStatus(output: string, port: number): PowerState {
  // uhubctl prints the status before and after the change; the last one is the new state.
  const lines = output.split('\n').filter((l) => new RegExp(`^\\s*Port ${port}: [0-9a-f]{4}\\b`, 'i').test(l));
  const last = lines.at(-1);
  if (!last) return 'unknown';
  if (/\bpower\b/.test(last)) return 'on';
  if (/\boff\b/.test(last)) return 'off';
  return 'unknown';
}

/**
 * A USB-powered board on a hub port whose power uhubctl can switch (hubs with per-port power
 * switching, "ppps"). Each switch is checked against the status uhubctl prints afterwards, so a
 * hub that ignores the request is an error, not a silent "done".
 */
export function createUhubctlPower(options: UhubctlPowerOptions): PowerDriver {
  if (typeof options.location !== 'string' || !/^\d+(-[\d.]+)?$/.test(options.location)) {
    throw new TypeError(`uhubctl power: location must be a hub location such as "1-1" or "2-1.4", got ${JSON.stringify(options.location)}`);
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 255) throw new TypeError(`uhubctl power: port must be an integer from 1 to 255, got ${options.port}`);
  const binary = options.binary ?? 'uhubctl';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const base = [binary, '-l', options.location, '-p', String(options.port), ...(options.extraArgs ?? [])];
  const description = `uhubctl hub ${options.location} port ${options.port}`;

  const switchTo = async (wanted: 'on' | 'off'): Promise<void> => {
    const { stdout } = await runArgv([...base, '-a', wanted], timeoutMs, `${description}: power ${wanted}`);
    const now = portStatus(stdout, options.port);
    if (now !== wanted) {
      throw new PowerError(`${description}: asked for power ${wanted}, but uhubctl reports the port ${now === 'unknown' ? 'status as unreadable' : now}: does this hub switch per-port power?\n${stdout.trim()}`);
    }
  };
  const driver: PowerDriver = {
    description,
    on: () => switchTo('on'),
    off: () => switchTo('off'),
    cycle: (offMs) => cycleByOffOn(driver, offMs),
    async state() {
      const { stdout } = await runArgv(base, timeoutMs, `${description}: power state`);
      return portStatus(stdout, options.port);
    },
    close: () => Promise.resolve(),
  };
  return driver;
}
