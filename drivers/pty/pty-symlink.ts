import { lstat, readlink, rename, symlink, unlink } from 'node:fs/promises';

/**
 * Points linkPath at target, like socat's PTY,link=. A symlink already there is taken to be
 * left over from a crash and replaced; anything else is refused, since it is someone's file.
 */
export async function placeSymlink(linkPath: string, target: string): Promise<void> {
  const existing = await lstat(linkPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing && !existing.isSymbolicLink()) {
    const kind = existing.isDirectory() ? 'a directory' : existing.isFile() ? 'a regular file' : 'not a symlink';
    throw new Error(`refusing to replace ${linkPath}: it exists and is ${kind}, not a symlink left by a previous run`);
  }
  // rename() swaps the link in atomically, so a board program never sees the path missing.
  const temporary = `${linkPath}.${process.pid}.tmp`;
  await unlink(temporary).catch(() => undefined);
  await symlink(target, temporary);
  await rename(temporary, linkPath);
}

/** Removes linkPath only if it still points at target: another run may have taken it over. */
export async function removeSymlinkIfOurs(linkPath: string, target: string): Promise<void> {
  const current = await readlink(linkPath).catch(() => undefined);
  if (current === target) await unlink(linkPath).catch(() => undefined);
}
