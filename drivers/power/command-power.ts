import { cycleByOffOn, type PowerDriver, type PowerState } from './power-driver.js';
import { runArgv } from './run-argv.js';

export interface CommandPowerOptions {
  /** argv arrays, never shell strings: `["relayctl", "--channel", "3", "on"]`. */
  on: string[];
  off: string[];
  /** Optional: prints the state; its output is matched against onPattern / offPattern. */
  state?: string[];
  onPattern?: string;
  offPattern?: string;
  timeoutMs?: number;
}

/**
 * Power switched by an external program, one argv per action (a PDU's CLI, a relay tool, a
 * script). Exit code 0 means done. Without a state command the state is what was last set.
 */
export function createCommandPower(options: CommandPowerOptions): PowerDriver {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const on = new RegExp(options.onPattern ?? '\\bon\\b', 'i');
  const off = new RegExp(options.offPattern ?? '\\boff\\b', 'i');
  let last: PowerState = 'unknown';
  const run = async (argv: string[], action: string, after: PowerState) => {
    await runArgv(argv, timeoutMs, `power ${action}`);
    last = after;
  };
  const driver: PowerDriver = {
    description: `command ${options.on[0] ?? '?'}`,
    on: () => run(options.on, 'on', 'on'),
    off: () => run(options.off, 'off', 'off'),
    cycle: (offMs) => cycleByOffOn(driver, offMs),
    async state() {
      if (!options.state) return last;
      const { stdout } = await runArgv(options.state, timeoutMs, 'power state');
      // Off first: "power off" should never read as on because it also matches a looser pattern.
      if (off.test(stdout)) return 'off';
      if (on.test(stdout)) return 'on';
      return 'unknown';
    },
    close: () => Promise.resolve(),
  };
  return driver;
}
