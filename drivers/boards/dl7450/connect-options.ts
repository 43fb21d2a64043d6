import type { ConnectOptions, MqttMessage } from './mqtt-module-types.js';

export interface ResolvedConnectOptions {
  keepalive: number;
  username?: string;
  password?: Buffer;
  will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2 };
  tls: { trustStore?: Buffer; privateKey?: Buffer; keyStore?: Buffer };
}

const KNOWN = new Set(['keep_alive', 'username', 'password', 'will_topic', 'will_qos', 'will_message', 'trust_store', 'private_key', 'key_store']);

export const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** str/bytes/bytearray -> bytes; None -> empty. Anything else is a TypeError naming `what`. */
export function messageBytes(value: MqttMessage, what: string): Buffer {
  if (value === null || value === undefined) return Buffer.alloc(0);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (isBytes(value)) return Buffer.from(value);
  throw new TypeError(`${what} must be str, bytes or bytearray`);
}

function optionalString(options: Record<string, unknown>, key: string): string | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new TypeError(`connect option '${key}' must be a str`);
  return v;
}

function optionalBytes(options: Record<string, unknown>, key: string): Buffer | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  return messageBytes(v as MqttMessage, `connect option '${key}'`);
}

/**
 * The SDK's connect() options, checked as the SDK documents: an unrecognised key is a
 * TypeError; keep_alive omitted = no keep-alive; a password needs a user name; a will exists
 * only when topic, QoS and message are all usable (the message may be empty or None).
 */
export function resolveConnectOptions(options: ConnectOptions | undefined): ResolvedConnectOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new TypeError('connect options must be a dict');
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw new TypeError(`unexpected connect option '${key}'`);
  let keepalive = 0;
  if (o.keep_alive !== undefined && o.keep_alive !== null) {
    if (typeof o.keep_alive !== 'number' || !Number.isInteger(o.keep_alive) || o.keep_alive < 0 || o.keep_alive > 65535) {
      throw new TypeError("connect option 'keep_alive' must be an int from 0 to 65535 (seconds)");
    }
    keepalive = o.keep_alive;
  }
  const username = optionalString(o, 'username');
  const password = optionalBytes(o, 'password');
  if (password !== undefined && username === undefined) throw new TypeError("connect option 'password' needs a 'username'");
  const willTopic = optionalString(o, 'will_topic');
  const willQos = o.will_qos;
  const usableQos = typeof willQos === 'number' && Number.isInteger(willQos) && willQos >= 0 && willQos <= 2;
  const will =
    willTopic && usableQos && 'will_message' in o
      ? { topic: willTopic, payload: messageBytes(o.will_message as MqttMessage, "connect option 'will_message'"), qos: willQos as 0 | 1 | 2 }
      : undefined;
  return {
    keepalive,
    username,
    password,
    will,
    tls: { trustStore: optionalBytes(o, 'trust_store'), privateKey: optionalBytes(o, 'private_key'), keyStore: optionalBytes(o, 'key_store') },
  };
}
