// What crosses between the Python worker and the main thread. Python and JS exchange JSON text:
// the WebAssembly proxy truncates integers to 32 bits and turns bytes into opaque proxies, while
// JSON keeps the board clock's 41-bit milliseconds and lets bytes travel as tagged hex.

/** Worker -> main, over the app's MessagePort. */
export type WorkerMessage =
  | { kind: 'call'; request: string }
  | { kind: 'log'; text: string }
  | { kind: 'ended'; how: 'raised' | 'exited' };

/** A Python call into the board: `{"op": ..., "args": [...]}`. */
export interface CallRequest {
  op: string;
  args: unknown[];
}

export type CallReply =
  | { ok: unknown }
  | { error: 'MqttError'; errno: number; args: unknown[] }
  | { error: 'TypeError' | 'ValueError' | 'RuntimeError'; message: string };

/** One callback for Python to run: `kind` names the client's handler (`on_<kind>`). */
export interface CallbackEvent {
  client: number;
  kind: 'connect' | 'message' | 'subscribe' | 'publish';
  args: unknown[];
}

const BYTES_TAG = '$b';

/** JSON text for Python; Uint8Array becomes `{"$b": hex}`, which Python turns into a bytearray. */
export function encodeForPython(value: unknown): string {
  // The holder's raw value, not `item`: JSON.stringify has already applied Buffer's toJSON to it.
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
    const raw = this[key];
    if (!(raw instanceof Uint8Array)) return item;
    return { [BYTES_TAG]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex') };
  });
}

/** Parses JSON text from Python; `{"$b": hex}` (bytes, bytearray) becomes a Uint8Array. */
export function decodeFromPython(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const keys = Object.keys(item);
    const hex = (item as Record<string, unknown>)[BYTES_TAG];
    if (keys.length !== 1 || typeof hex !== 'string') return item;
    return new Uint8Array(Buffer.from(hex, 'hex'));
  });
}

/** A thrown value as the Python exception it must become (see _dl7450.py). */
export function errorReply(error: unknown): CallReply {
  if (isMqttErrorLike(error)) return { error: 'MqttError', errno: error.errno, args: Array.from(error.args) };
  if (error instanceof TypeError) return { error: 'TypeError', message: error.message };
  if (error instanceof RangeError) return { error: 'ValueError', message: error.message };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { error: 'RuntimeError', message };
}

// The module's MqttError class is the other engineer's; any error carrying errno and args is one.
function isMqttErrorLike(error: unknown): error is { errno: number; args: ArrayLike<unknown> } {
  if (error === null || typeof error !== 'object') return false;
  const candidate = error as { errno?: unknown; args?: unknown };
  return typeof candidate.errno === 'number' && Array.isArray(candidate.args);
}
