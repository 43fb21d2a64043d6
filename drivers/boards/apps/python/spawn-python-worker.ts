import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { PythonWorkerData } from './python-worker.js';

/**
 * Starts python-worker beside this file. Built (dist/), that is a .js file Node loads as is; from
 * the sources (vitest, tsx) it is a .ts file, which a worker can only load through tsx's API:
 * `--import tsx` in execArgv does not reach a worker's entry module on Node 20.
 */
export function spawnPythonWorker(data: PythonWorkerData, transferList: TransferListItem[]): Worker {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const entry = new URL(fromSources ? './python-worker.ts' : './python-worker.js', here);
  if (!fromSources) return new Worker(entry, { workerData: data, transferList });
  const boot =
    `import(${JSON.stringify(tsxEsmApi(here))}).then((api) => ` +
    `api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData: data, transferList });
}

// The ESM build of tsx's API: its CommonJS build, which require.resolve finds, registers its hooks
// from a wrong path when imported into a worker whose parent already runs under tsx.
function tsxEsmApi(from: string): string {
  const manifestPath = createRequire(from).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } }>;
  };
  const entry = manifest.exports?.['./esm/api']?.import?.default;
  if (!entry) throw new Error(`tsx at ${dirname(manifestPath)} has no ESM API export: cannot start the Python worker from sources`);
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}
