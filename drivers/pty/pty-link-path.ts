import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const exists = (path: string) => stat(path).then(
  () => true,
  () => false,
);

/**
 * Why a pty link cannot be placed at `path`, or undefined. Free, or a dangling symlink into /dev
 * left by a program that was killed, is fine. Anything else is refused: a file or folder is
 * someone's, and a symlink to a live device is most likely another program's pty (a sim's or a
 * bridge's), whose peer would silently be switched over to ours.
 */
export async function ptyLinkPathProblem(path: string): Promise<string | undefined> {
  const absolute = resolve(path);
  const folder = await stat(dirname(absolute)).catch(() => undefined);
  if (!folder?.isDirectory()) return `the folder ${dirname(absolute)} does not exist`;
  const existing = await lstat(absolute).catch(() => undefined);
  if (!existing) return undefined;
  if (!existing.isSymbolicLink()) return 'it exists and is not a symlink left by a previous run; give another path or remove it';
  const target = await readlink(absolute);
  if (!target.startsWith('/dev/')) return `it is a symlink to ${target}, not one left by a previous run; give another path or remove it`;
  if (await exists(absolute)) {
    if (target.startsWith('/dev/pts/')) return `it points at ${target}, which exists (another sim's or bridge's pty?); stop that program or give another path`;
    return `it points at ${target}, a device, not a pty left by a previous run; give another path or remove the link`;
  }
  return undefined;
}
