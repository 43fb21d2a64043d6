import type tls from 'node:tls';
import { clientIdentity, keyStoreFrom, PemProblem, privateKeyFrom, trustStoreFrom } from '../config/tls-pem.js';
import { SDK_NAMES, type TlsMaterial } from '../../streams/link/tls-items.js';
import { BrokerConnectError } from './broker-connect-error.js';

const refuse = (text: string) => new BrokerConnectError('tls', `TLS settings from the board: ${text}`);

function read<T>(name: keyof TlsMaterial, bytes: Buffer, parse: (bytes: Buffer) => T): T {
  try {
    return parse(bytes);
  } catch (error) {
    if (error instanceof PemProblem) throw refuse(`${SDK_NAMES[name]}: ${error.message}`);
    throw error;
  }
}

/**
 * The bench's TLS options with the board's own settings (TLS_ITEM, protocol 3.1.1) in place of
 * the bench's. A client identity is the board's whole or not at all: its key_store brings its
 * key, never the bench's. Verification stays the bench's. Throws a 'tls' BrokerConnectError
 * whose text names the setting as the SDK does, and never its content.
 */
export function withBoardTlsMaterial(base: tls.ConnectionOptions | undefined, material: TlsMaterial): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { ...base };
  if (material.trustStore) options.ca = read('trustStore', material.trustStore, trustStoreFrom);
  const store = material.keyStore && read('keyStore', material.keyStore, keyStoreFrom);
  const identity = clientIdentity(store, material.privateKey && read('privateKey', material.privateKey, privateKeyFrom));
  if (identity === 'key-without-certificate') throw refuse('a private_key needs its certificate: the app gave no key_store');
  if (identity === 'no-key') throw refuse('the key_store holds no private key and the app gave no private_key');
  if (identity === 'mismatch') throw refuse(`the private key (from ${material.privateKey ? 'private_key' : 'key_store'}) is not the key of the key_store's first certificate`);
  return { ...options, ...identity };
}
