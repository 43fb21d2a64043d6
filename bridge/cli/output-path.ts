import { constants } from 'node:fs';
import { access, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './usage-error.js';

const statOf = (path: string) => stat(path).catch(() => undefined);
const why = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/**
 * The folder an option names for a run's files, made if missing, checked before the run: a bad
 * path is a usage error at once, not an errno after the work. Made one level at a time, because
 * fs.mkdir({ recursive }) never returns under /proc.
 */
export async function makeOutputFolder(option: string, path: string): Promise<string> {
  const absolute = resolve(path);
  const found = await statOf(absolute);
  if (found && !found.isDirectory()) throw new UsageError(`--${option} ${path}: it exists and is not a folder`);
  const missing: string[] = [];
  let dir = absolute;
  while (!(await statOf(dir))) {
    missing.unshift(dir);
    dir = dirname(dir);
  }
  if (!(await statOf(dir))?.isDirectory()) throw new UsageError(`--${option} ${path}: ${dir} is not a folder`);
  for (const m of missing) {
    try {
      await mkdir(m);
    } catch (error) {
      throw new UsageError(`--${option} ${path}: cannot make the folder ${m} (${why(error)})`);
    }
  }
  try {
    await access(absolute, constants.W_OK);
  } catch (error) {
    throw new UsageError(`--${option} ${path}: the folder is not writable (${why(error)})`);
  }
  return absolute;
}

/** A file an option names for a run's report, checked writable before the run (a probe file, removed). */
export async function checkOutputFile(option: string, path: string): Promise<void> {
  const found = await statOf(path);
  if (found && !found.isFile()) throw new UsageError(`--${option} ${path}: it exists and is not a file`);
  if (found) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      throw new UsageError(`--${option} ${path}: not writable (${why(error)})`);
    }
    return;
  }
  try {
    await (await open(path, 'wx')).close();
    await unlink(path);
  } catch (error) {
    throw new UsageError(`--${option} ${path}: cannot write there (${why(error)})`);
  }
}
