import { readFile, rm, writeFile } from 'node:fs/promises';
import { parseOptions } from './parse-options.js';
import { parseLineModelSpec } from '../../drivers/line-model/line-model-spec.js';
import { logLevelOption } from './log-level-option.js';
import type { LogLevel } from '../config/config-types.js';
import { checkAttachPath, checkTtyPath } from '../sim/check-tty-path.js';
import { loadSimApp } from '../sim/load-sim-app.js';
import { handlePowerSignals } from '../sim/power-signals.js';
import { shown, type SimLine } from '../sim/sim-console.js';
import { startSim, type SimOptions } from '../sim/start-sim.js';
import { parseNumberOption } from './parse-number.js';
import { UsageError } from './usage-error.js';

export const simHelp = `dl7450-bridge sim --app <app.py|app.ts|app.js> --tty <path> | --attach <tty> [options]

Runs a virtual DL-7450 board in this process behind a pseudo-terminal whose slave appears at
<path>, so that a bridge in another process attaches to it exactly as to a board on USB:

  dl7450-bridge run --port <path> --link framed

The board powers on at once and runs the app; the app's console, the board's power, link and
connections are printed here (warnings and errors on stderr), until Ctrl-C.

  --app FILE        the board's app: a DL-7450 Python app (.py, run by MicroPython), or a module
                    (.ts, .js, .mjs) whose default export is a main(ctx, signal) function or tsApp(...)
  --tty PATH        where the line appears: a symlink to the pty's slave (/dev/pts/N), removed on
                    exit. A dangling symlink left by a killed sim is replaced; anything else is refused
  --attach TTY      instead, plug the board into a tty that exists: a pty a bridge made with
                    run --port pty:PATH --link framed (start the bridge first), or socat's
  --id ID           the board id the board announces in HELLO (default virtual-dl7450)
  --boot-delay MS   time from power on to HELLO and the app starting (default 500)
  --line SPEC       a serial line's pace and flaws between the board and its pty, e.g.
                    baud=115200,biterr=1e-5,drop=1e-6,stall=1e-6:50ms,seed=7 (keys: baud, burst, seed,
                    biterr, drop, stall; prefix tx. or rx. for one direction). Default: none, bytes
                    cross at pty speed, as on the DL-7450's USB (CDC-ACM) port, which has no baud
                    rate; give baud= to model a UART
  --log-level L     error, warn, info (default: the app's console, power, link, connections) or
                    debug (also the host's LOG text and link errors)
  --pid-file PATH   write this process's id there (removed on exit), for a bench file's
                    power: { driver: sim, pidFile: PATH }

Power, from another terminal (the pid is printed at start):
  kill -USR1 <pid>  power cut: the board stops dead (nothing more on its line, RAM lost); the bridge
                    finds the link dead and drops the board's broker connections, so wills go out
  kill -USR2 <pid>  power on: the board boots again (new boot epoch, HELLO, the app from the start)
  Ctrl-C, SIGTERM   power off, remove the tty symlink, exit 0

Exit codes: 0 stopped by a signal, 1 failed to start, 2 bad options or app file.`;

async function simOptions(values: Record<string, string | undefined>): Promise<{ sim: Omit<SimOptions, 'print'>; level: LogLevel }> {
  if (values.app === undefined) throw new UsageError('give --app <file> (a .py, .ts, .js or .mjs board app; see dl7450-bridge sim --help)');
  if (values.tty !== undefined && values.attach !== undefined) throw new UsageError('give --tty (a pty of its own) or --attach (a tty that exists), not both');
  if (values.tty === undefined && values.attach === undefined) throw new UsageError('give --tty <path> (where the board\'s line appears) or --attach <tty>; see dl7450-bridge sim --help');
  const level = logLevelOption(values['log-level'], 'info') as LogLevel;
  if (values.id !== undefined && !/^[\x21-\x7e]{1,64}$/.test(values.id)) throw new UsageError(`--id must be 1 to 64 printable ASCII characters without spaces, got "${values.id}"`);
  let line: SimOptions['line'];
  if (values.line !== undefined) {
    try {
      line = parseLineModelSpec(values.line);
    } catch (error) {
      throw new UsageError(`--line: ${(error as Error).message}`);
    }
  }
  const bootDelayMs = parseNumberOption('boot-delay', values['boot-delay'], 500, 0, 600_000);
  // Checked last: loading an app runs its module's top level.
  const tty = values.tty !== undefined ? { make: await checkTtyPath(values.tty) } : { attach: await checkAttachPath(values.attach as string) };
  const app = await loadSimApp(values.app);
  return { sim: { app, tty, id: values.id, bootDelayMs, line }, level };
}

const clock = (): string => new Date().toTimeString().slice(0, 8) + `.${String(Date.now() % 1000).padStart(3, '0')}`;

export async function simCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: {
      app: { type: 'string' },
      tty: { type: 'string' },
      attach: { type: 'string' },
      id: { type: 'string' },
      'boot-delay': { type: 'string' },
      line: { type: 'string' },
      'log-level': { type: 'string' },
      'pid-file': { type: 'string' },
    },
    strict: true,
  });
  const { sim: options, level } = await simOptions(values);
  if (values['pid-file'] !== undefined) await checkPidFile(values['pid-file']);
  const print = (line: SimLine): void => {
    if (!shown(line.level, level)) return;
    const stream = shown(line.level, 'warn') ? process.stderr : process.stdout;
    stream.write(`${clock()} ${line.text}\n`);
  };
  const sim = await startSim({ ...options, print });
  const uninstall = handlePowerSignals(sim, print);
  const pidFile = values['pid-file'];
  if (pidFile) await writeFile(pidFile, `${process.pid}\n`);
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const pid = process.pid;
  const { tty } = options;
  if ('make' in tty) process.stdout.write(`board ${sim.board.id} on ${tty.make} (${sim.ptsPath}); attach with: dl7450-bridge run --port ${tty.make} --link framed\n`);
  else process.stdout.write(`board ${sim.board.id} plugged into ${tty.attach} (${sim.ptsPath})\n`);
  process.stdout.write(`power: kill -USR1 ${pid} cuts it, kill -USR2 ${pid} restores it; Ctrl-C or kill ${pid} stops\n`);
  if (options.line) process.stdout.write(`line: ${values.line} (fault seed ${sim.lineSeed})\n`);
  sim.powerOn();
  // A tty that hung up never comes back (a restarted bridge makes a new pty): a board left
  // running on it would be a dead end that its pid file still names.
  const lost = await Promise.race([stopped.then(() => undefined), sim.lineLost]);
  if (lost !== undefined) print({ level: 'error', text: `the board's line is gone (${lost}): stopping; start the sim again once its tty is back` });
  await sim.stop();
  uninstall();
  if (pidFile) await rm(pidFile, { force: true });
  return lost === undefined ? 0 : 1;
}

/** A pid file naming a live process is another sim's: overwriting it would hand its power to us. */
async function checkPidFile(path: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return; // left by a sim that died: ours now
  }
  throw new UsageError(`--pid-file ${path}: it names process ${pid}, which is running (another sim?); stop it or give another path`);
}
