import { MessageChannel, type Worker } from 'node:worker_threads';
import type { BoardAppContext, RunningApp } from '../board-app.js';
import { logLines } from '../log-lines.js';
import { markBoardApp } from '../ts-app.js';
import { createCallbackInbox } from './callback-inbox.js';
import { createModuleCalls } from './module-calls.js';
import type { PythonWorkerData } from './python-worker.js';
import { decodeFromPython, encodeForPython, errorReply, type CallReply, type CallRequest, type WorkerMessage } from './rpc-codec.js';
import { spawnPythonWorker } from './spawn-python-worker.js';
import { postReply } from './sync-call.js';

export interface PythonAppOptions {
  /** MicroPython's GC heap, in bytes. Default 4 MiB. */
  heapBytes?: number;
}

export interface RunningPythonApp extends RunningApp {
  /** The app's worker thread; it has exited once `done` settled. */
  readonly worker: Worker;
}

export type PythonBoardApp = (ctx: BoardAppContext) => RunningPythonApp;

const DEFAULT_HEAP_BYTES = 4 * 1024 * 1024;

/** A DL-7450 Python app (`filename` names it in tracebacks), run by MicroPython in a worker thread. */
export function createPythonApp(source: string, filename: string, options: PythonAppOptions = {}): PythonBoardApp {
  return markBoardApp((ctx) => startPythonApp(ctx, source, filename, options.heapBytes ?? DEFAULT_HEAP_BYTES));
}

function startPythonApp(ctx: BoardAppContext, source: string, filename: string, heapBytes: number): RunningPythonApp {
  const { port1: port, port2: workerPort } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const data: PythonWorkerData = { port: workerPort, flag: flag.buffer as SharedArrayBuffer, source, filename, heapBytes };
  const worker = spawnPythonWorker(data, [workerPort]);
  const inbox = createCallbackInbox(() => ctx.now());
  const calls = createModuleCalls(ctx.mqtt, (event) => inbox.push(event));
  const reply = (answer: CallReply): void => postReply(port, flag, encodeForPython(answer));
  // 'ended': the script raised or exited; 'stopping': stop() was called. Neither is a failure.
  let ending: 'ended' | 'stopping' | undefined;
  let failure: Error | undefined;

  function handleCall(text: string): void {
    const request = decodeFromPython(text) as CallRequest;
    if (request.op === 'wait') {
      const [until, deliver] = request.args;
      inbox.wait(typeof until === 'number' ? until : null, deliver !== false, (wake) => reply({ ok: wake }));
      return;
    }
    const call = request.op === 'now' ? () => ctx.now() : Object.hasOwn(calls, request.op) ? calls[request.op] : undefined;
    if (!call) return reply({ error: 'RuntimeError', message: `python runtime: unknown call ${request.op}` });
    try {
      reply({ ok: call(...request.args) ?? null });
    } catch (error) {
      reply(errorReply(error));
    }
  }

  port.on('message', (message: WorkerMessage) => {
    if (message.kind === 'log') ctx.log(message.text);
    // Calls still queued when stop() came must not reach the module: the board is gone.
    else if (message.kind === 'call') {
      if (ending !== 'stopping') handleCall(message.request);
    } else {
      ending ??= 'ended';
      void worker.terminate();
    }
  });

  const done = new Promise<void>((resolve, reject) => {
    worker.on('error', (error) => (failure = error));
    worker.once('exit', (code) => {
      inbox.close();
      port.close();
      if (ending) return resolve();
      const error = failure ?? new Error(`python worker exited unexpectedly with code ${code}`);
      logLines(ctx, `python runtime failed: ${error.message}`);
      reject(error);
    });
  });

  return {
    worker,
    done,
    async stop() {
      ending ??= 'stopping';
      inbox.close();
      await worker.terminate();
      await done.catch(() => undefined);
    },
  };
}
