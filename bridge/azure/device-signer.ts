import { createSasToken, decodeDeviceKey } from './sas-token.js';

/**
 * A device key held where logs cannot reach it: the config keeps this, not the key, so a config
 * dumped to JSON or util.inspect shows only where the key came from.
 */
export interface DeviceSigner {
  /** Where the key came from (`env AZ_KEY`, `file /etc/key`, `an inline value`). */
  readonly source: string;
  /** A SAS token for `resourceUri`, valid until `expiry` (Unix seconds). */
  token(resourceUri: string, expiry: number): string;
}

export function createDeviceSigner(keyText: Buffer, source: string): DeviceSigner {
  const key = decodeDeviceKey(keyText);
  const signer = { source, token: (uri: string, expiry: number) => createSasToken(uri, key, expiry) };
  return Object.defineProperty(signer, Symbol.for('nodejs.util.inspect.custom'), { value: () => `DeviceSigner(${source})` });
}
