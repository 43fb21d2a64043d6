import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BoardApp } from './board-app.js';
import { createPythonApp } from './python/python-app.js';
import { isBoardApp, tsApp } from './ts-app.js';

const MODULE_EXTENSIONS = new Set(['.ts', '.js', '.mjs']);

/**
 * A board app from a file: `.py` is a DL-7450 Python app; `.ts`, `.js` and `.mjs` are modules whose
 * default export is a BoardApp made with tsApp(), or a bare `main(ctx, signal)` that tsApp wraps.
 * (`.ts` needs a TypeScript-aware loader, as under vitest or tsx.)
 */
export async function loadBoardApp(file: string): Promise<BoardApp> {
  const extension = extname(file).toLowerCase();
  if (extension === '.py') return createPythonApp(await readFile(file, 'utf8'), basename(file));
  if (!MODULE_EXTENSIONS.has(extension)) {
    throw new TypeError(`board app ${file}: unsupported file type "${extension}" (expected .py, .ts, .js or .mjs)`);
  }
  const module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  const app = ownDefault(module.default);
  if (isBoardApp(app)) return app;
  if (typeof app === 'function') return tsApp(app as Parameters<typeof tsApp>[0]);
  throw new TypeError(`board app ${file}: the default export must be tsApp(...) or a main(ctx, signal) function, not ${typeof app}`);
}

// A module compiled to CommonJS (by tsc, or by tsx for a .ts file outside an ESM package) reaches
// import() as { default: module.exports }: its own default export is one level down.
function ownDefault(value: unknown): unknown {
  const exports = value as { __esModule?: unknown; default?: unknown } | null | undefined;
  return typeof exports === 'object' && exports !== null && exports.__esModule === true && 'default' in exports ? exports.default : value;
}
