import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ptyLinkPathProblem } from '../../drivers/pty/pty-link-path.js';
import { charDeviceClass } from '../../drivers/serial/char-device-class.js';
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
  const found = await stat(path, { bigint: true }).catch(() => undefined);
  if (!found) throw new UsageError(`--attach ${path}: nothing is there (start the bridge with --port pty:${path} first, or give --tty to make a pty here)`);
  const kind = found.isCharacterDevice() ? await charDeviceClass(found.rdev) : 'no';
  if (kind !== undefined && kind !== 'tty') throw new UsageError(`--attach ${path}: not a tty (a board plugs into a character device such as /dev/pts/N${kind === 'no' ? '' : `; this is a ${kind} device`})`);
  return resolve(path);
}
