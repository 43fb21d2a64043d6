import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { WorkerMessage } from './rpc-codec.js';

/** Slot 0 of the shared flag: 0 while a call is out, 1 once its reply has been posted. */
export const REPLY_POSTED = 1;

/**
 * Worker side: posts a request and blocks this thread (never the main one) until the main thread
 * has posted the reply and raised the flag, then takes the reply off the port synchronously.
 * The worker never listens on the port, so replies stay queued for receiveMessageOnPort.
 */
export function createSyncCall(port: MessagePort, flag: Int32Array): (request: string) => string {
  return (request) => {
    Atomics.store(flag, 0, 0);
    port.postMessage({ kind: 'call', request } satisfies WorkerMessage);
    Atomics.wait(flag, 0, 0);
    const reply = receiveMessageOnPort(port);
    if (!reply || typeof reply.message !== 'string') throw new Error('python worker: the flag was raised without a reply');
    return reply.message;
  };
}

/** Main side: the reply must be on the port before the flag wakes the worker. */
export function postReply(port: MessagePort, flag: Int32Array, reply: string): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, REPLY_POSTED);
  Atomics.notify(flag, 0);
}
