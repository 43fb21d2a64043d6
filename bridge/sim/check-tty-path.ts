import { resolve } from 'node:path';
import { ptyLinkPathProblem } from '../../drivers/pty/pty-link-path.js';
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
