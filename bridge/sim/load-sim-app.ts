import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { loadBoardApp, type BoardApp } from '../../drivers/boards/apps/board-app.js';
import { UsageError } from '../cli/usage-error.js';

const EXTENSIONS = ['.py', '.ts', '.js', '.mjs'];

// From the sources (tsx, vitest) a TypeScript loader is already in place; from dist/ plain Node
// cannot import a .ts app, so tsx's hooks are registered first, and only then: apps in other
// languages never load the compiler. Both hooks, as \`node --import tsx\` has them: a .ts file
// outside an ESM package is compiled as CommonJS.
async function enableTypeScript(): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return;
  try {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    cjs.register();
    esm.register();
  } catch (error) {
    throw new UsageError(`a .ts app needs tsx, which could not be loaded (${(error as Error).message}); install it or give a .js app`);
  }
}

/**
 * The board app in `file`, for `sim --app`. Every way the file can be unusable (missing, a
 * folder, an unsupported type, a module without a usable default export, a syntax error in a
 * module) is a UsageError naming the file. A Python script is only parsed once the board boots:
 * its errors are tracebacks on the board's console, as on hardware.
 */
export async function loadSimApp(file: string): Promise<BoardApp> {
  const extension = extname(file).toLowerCase();
  if (!EXTENSIONS.includes(extension)) {
    throw new UsageError(`--app ${file}: unsupported file type "${extension}" (expected ${EXTENSIONS.join(', ')})`);
  }
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--app ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) throw new UsageError(`--app ${file}: not a regular file`);
  if (extension === '.ts') await enableTypeScript();
  try {
    return await loadBoardApp(file);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    throw new UsageError(message.startsWith('board app ') ? message.replace(/^board app /, '--app ') : `--app ${file}: cannot load it: ${message}`);
  }
}
