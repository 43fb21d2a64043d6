import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../cli/usage-error.js';

const exists = (path: string) => stat(path).then(
  () => true,
  () => false,
);

/**
 * Checks `--tty` before the pty is made, and returns it absolute (it is printed for another
 * terminal to paste). Free, or a dangling symlink into /dev left by a sim that was killed, is
 * fine. Anything else is refused: a file or folder is someone's, and a symlink to a live device is
 * most likely another sim's, whose bridge would silently switch boards.
 */
export async function checkTtyPath(path: string): Promise<string> {
  const absolute = resolve(path);
  const folder = await stat(dirname(absolute)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new UsageError(`--tty ${path}: the folder ${dirname(absolute)} does not exist`);
  const existing = await lstat(absolute).catch(() => undefined);
  if (!existing) return absolute;
  if (!existing.isSymbolicLink()) {
    throw new UsageError(`--tty ${path}: it exists and is not a symlink left by a previous sim; give another path or remove it`);
  }
  const target = await readlink(absolute);
  if (!target.startsWith('/dev/')) throw new UsageError(`--tty ${path}: it is a symlink to ${target}, not one left by a previous sim; give another path or remove it`);
  if (await exists(absolute)) throw new UsageError(`--tty ${path}: it points at ${target}, which exists (another sim's pty?); stop that sim or give another path`);
  return absolute;
}
