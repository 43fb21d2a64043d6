import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a device's token grants: `{hub}/devices/{deviceId}` (IoT Hub's resource URI for a device). */
export const deviceResourceUri = (hub: string, deviceId: string): string => `${hub}/devices/${deviceId}`;

/** base64(HMAC-SHA256(key, `${encodedUri}\n${expiry}`)), not yet URL-encoded. */
export function sasSignature(encodedUri: string, key: Buffer, expiry: number): string {
  return createHmac('sha256', key).update(`${encodedUri}\n${expiry}`).digest('base64');
}

/**
 * `SharedAccessSignature sr=…&sig=…&se=…` for `resourceUri`, valid until `expiry` (Unix
 * seconds). `key` is the device key already base64-decoded (decodeDeviceKey).
 */
export function createSasToken(resourceUri: string, key: Buffer, expiry: number): string {
  if (!Number.isInteger(expiry) || expiry <= 0) throw new TypeError(`createSasToken: "expiry" must be a positive integer of Unix seconds, got ${expiry}`);
  if (key.length === 0) throw new TypeError('createSasToken: the device key is empty');
  const sr = encodeURIComponent(resourceUri);
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sasSignature(sr, key, expiry))}&se=${expiry}`;
}

/** A device key that cannot sign; the message never quotes the key. */
export class DeviceKeyProblem extends Error {
  override name = 'DeviceKeyProblem';
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The device key as the portal shows it (base64 text, e.g. read from a file with a trailing
 * newline) to the bytes that sign. The message never quotes the key.
 */
export function decodeDeviceKey(text: Buffer | string): Buffer {
  const trimmed = text.toString('utf8').trim();
  if (!BASE64.test(trimmed) || trimmed.length % 4 !== 0) throw new DeviceKeyProblem('the Azure device key is not base64 (copy the primary or secondary key of the device as the portal shows it)');
  return Buffer.from(trimmed, 'base64');
}

/**
 * Why `token` would not let a device in as `resourceUri` at `nowS`, or undefined when it would:
 * what IoT Hub checks of a device SAS token, for test brokers and the twin mode.
 */
export function sasTokenProblem(token: string, resourceUri: string, key: Buffer, nowS: number): string | undefined {
  const match = /^SharedAccessSignature (.+)$/.exec(token);
  if (!match) return 'not a SharedAccessSignature token';
  const fields = new Map(match[1].split('&').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = Number(fields.get('se'));
  if (sr === undefined || sig === undefined || !Number.isInteger(se)) return 'sr, sig or se missing';
  if (decodeURIComponent(sr) !== resourceUri) return `issued for ${decodeURIComponent(sr)}, not ${resourceUri}`;
  if (se <= nowS) return `expired at ${se}`;
  const expected = Buffer.from(sasSignature(sr, key, se));
  const given = Buffer.from(decodeURIComponent(sig));
  return expected.length === given.length && timingSafeEqual(expected, given) ? undefined : 'bad signature';
}
