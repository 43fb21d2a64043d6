import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ptyLinkPathProblem } from '../../drivers/pty/pty-link-path.js';
import { ttyDeviceProblem } from '../../drivers/serial/tty-device-problem.js';
import { UsageError } from '../cli/usage-error.js';

/**
 * Checks `--tty` before the pty is made (drivers/pty/pty-link-path.ts), and returns it absolute
 * (it is printed for another terminal to paste).
 */
export async function checkTtyPath(path: string): Promise<string> {
  const problem = await ptyLinkPathProblem(path);
  if (problem) throw new UsageError(`--tty ${path}: ${problem}`);
  return resolve(path);
}

/** Checks `--attach`: a tty that exists (a symlink to one is fine), returned absolute. */
export async function checkAttachPath(path: string): Promise<string> {
  const found = await stat(path).catch(() => undefined);
  if (!found) throw new UsageError(`--attach ${path}: nothing is there (start the bridge with --port pty:${path} first, or give --tty to make a pty here)`);
  const problem = await ttyDeviceProblem(path);
  if (problem) throw new UsageError(`--attach ${path}: not a tty a board can plug into, such as /dev/pts/N: ${problem}`);
  return resolve(path);
}
