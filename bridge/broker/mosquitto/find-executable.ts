import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// Daemons live in sbin, which a non-root PATH often lacks (Debian puts mosquitto in /usr/sbin).
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The path of an executable named `name` on PATH or in an sbin directory, or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
