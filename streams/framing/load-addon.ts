import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Native addons are built by `npm install` into <package root>/build/Release. The root is found
// by walking up, because this file runs from source (tests) and from dist/ (the CLI).
export function packageRoot(from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Loads build/Release/<name>.node; undefined if it was not built (no compiler at install). */
export function loadAddon<T>(name: string): T | undefined {
  const path = join(packageRoot(), 'build', 'Release', `${name}.node`);
  if (!existsSync(path)) return undefined;
  return createRequire(import.meta.url)(path) as T;
}
