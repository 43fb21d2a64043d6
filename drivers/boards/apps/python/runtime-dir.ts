import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNTIME_FROM_ROOT = join('drivers', 'boards', 'apps', 'python', 'runtime');

/**
 * The folder of the runtime's Python modules. tsc copies no .py files to dist/, so from a build
 * they are found in the source tree above it (dist/ mirrors the source layout).
 */
export function findRuntimeDir(moduleUrl: string): string {
  const beside = join(dirname(fileURLToPath(moduleUrl)), 'runtime');
  if (existsSync(join(beside, '_dl7450.py'))) return beside;
  for (let dir = dirname(fileURLToPath(moduleUrl)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, RUNTIME_FROM_ROOT);
    if (existsSync(join(candidate, '_dl7450.py'))) return candidate;
  }
  throw new Error(`the DL-7450 Python runtime files (${RUNTIME_FROM_ROOT}) were not found above ${fileURLToPath(moduleUrl)}`);
}
