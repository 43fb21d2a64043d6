// Worker entry: one MicroPython interpreter running one board app. Everything the app asks of the
// board is a synchronous call to the main thread (sync-call.ts); the app's event loop lives in
// Python (runtime/_dl7450.py) and sleeps through `wait` calls.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerData, type MessagePort } from 'node:worker_threads';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import type { WorkerMessage } from './rpc-codec.js';
import { findRuntimeDir } from './runtime-dir.js';
import { createSyncCall } from './sync-call.js';

export interface PythonWorkerData {
  port: MessagePort;
  flag: SharedArrayBuffer;
  source: string;
  filename: string;
  heapBytes: number;
}

const RUNTIME_PATH = '/dl7450';

const data = workerData as PythonWorkerData;
const post = (message: WorkerMessage): void => data.port.postMessage(message);
const log = (text: string): void => post({ kind: 'log', text });

const mp = await loadMicroPython({ heapsize: data.heapBytes, stdout: log, stderr: log });
mp.FS.mkdir(RUNTIME_PATH);
const runtimeDir = findRuntimeDir(import.meta.url);
for (const name of readdirSync(runtimeDir).filter((file) => file.endsWith('.py'))) {
  mp.FS.writeFile(`${RUNTIME_PATH}/${name}`, readFileSync(join(runtimeDir, name), 'utf8'));
}
mp.registerJsModule('_dl7450_js', {
  call: createSyncCall(data.port, new Int32Array(data.flag)),
  app_source: () => data.source,
  app_filename: () => data.filename,
  ended: (how: 'raised' | 'exited') => post({ kind: 'ended', how }),
});
// run() returns only when the app has ended (and said how); until then it serves callbacks.
mp.runPython(`import sys\nsys.path.insert(0, '${RUNTIME_PATH}')\nimport _dl7450_main\n_dl7450_main.run()`);
