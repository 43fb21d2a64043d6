import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

// The SDK takes trust_store as PEM or DER, key_store as PEM (which may hold the key) and
// private_key as PEM; Node's TLS wants PEM. Problems are worded without any of the content.

/** Content that is not what a TLS setting needs; the message never quotes the content. */
export class PemProblem extends Error {
  override name = 'PemProblem';
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?\r?\n-----END \1-----/g;
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

interface Block {
  label: string;
  pem: string;
}

/** ASN.1 DER starts with a SEQUENCE tag; PEM is text with BEGIN lines. */
function isPem(bytes: Buffer): boolean {
  return bytes.includes('-----BEGIN ');
}

function blocks(bytes: Buffer): Block[] {
  return [...bytes.toString('latin1').matchAll(BLOCK)].map((m) => ({ label: m[1], pem: `${m[0]}\n` }));
}

function certificatePem(pem: string | Buffer, which: string): string {
  try {
    return new X509Certificate(pem).toString();
  } catch {
    throw new PemProblem(`${which} is not a valid X.509 certificate`);
  }
}

function keyObject(key: string | Buffer, format: 'pem' | 'der'): KeyObject {
  if (format === 'pem') return createPrivateKey({ key, format });
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key, format, type });
    } catch {
      // the next encoding, then give up below
    }
  }
  throw new Error('not a DER private key');
}

function privateKeyFromBlock(block: Block): string {
  if (block.label === 'ENCRYPTED PRIVATE KEY') {
    throw new PemProblem('the private key is encrypted, and the bridge takes no passphrase: decrypt it with "openssl pkey -in key.pem -out plain.pem"');
  }
  try {
    return keyObject(block.pem, 'pem').export({ format: 'pem', type: 'pkcs8' }) as string;
  } catch {
    throw new PemProblem(`the ${block.label} block is not a valid private key`);
  }
}

/** Every certificate, as PEM: one DER certificate, or the CERTIFICATE blocks of a PEM file. */
export function certificatesFrom(bytes: Buffer): string[] {
  if (!isPem(bytes)) {
    if (bytes[0] !== 0x30) throw new PemProblem('expected PEM (-----BEGIN CERTIFICATE-----) or a DER certificate');
    return [certificatePem(bytes, 'the DER content')];
  }
  const certificates = blocks(bytes).filter((b) => b.label === 'CERTIFICATE');
  if (certificates.length === 0) throw new PemProblem('no -----BEGIN CERTIFICATE----- block in the PEM');
  return certificates.map((b, i) => certificatePem(b.pem, `certificate ${i + 1}`));
}

/** A trust store: certificates only; a private key there is a mistake worth stopping for. */
export function trustStoreFrom(bytes: Buffer): string[] {
  if (isPem(bytes) && blocks(bytes).some((b) => KEY_LABELS.has(b.label) || b.label === 'ENCRYPTED PRIVATE KEY')) {
    throw new PemProblem('it contains a private key: a trust store holds only CA certificates');
  }
  return certificatesFrom(bytes);
}

/** A key store: the client certificate chain (leaf first), and the private key if it holds one. */
export function keyStoreFrom(bytes: Buffer): { certificates: string[]; privateKey?: string } {
  const certificates = certificatesFrom(bytes);
  if (!isPem(bytes)) return { certificates };
  const keys = blocks(bytes).filter((b) => KEY_LABELS.has(b.label) || b.label === 'ENCRYPTED PRIVATE KEY');
  if (keys.length > 1) throw new PemProblem(`it holds ${keys.length} private keys; expected at most one`);
  return keys.length === 1 ? { certificates, privateKey: privateKeyFromBlock(keys[0]) } : { certificates };
}

/** A private key, as PKCS#8 PEM: a PEM key block, or DER (PKCS#8, SEC1 or PKCS#1). */
export function privateKeyFrom(bytes: Buffer): string {
  if (!isPem(bytes)) {
    try {
      return keyObject(bytes, 'der').export({ format: 'pem', type: 'pkcs8' }) as string;
    } catch {
      throw new PemProblem('expected a PEM private key (-----BEGIN PRIVATE KEY-----) or a DER one');
    }
  }
  const keys = blocks(bytes).filter((b) => KEY_LABELS.has(b.label) || b.label === 'ENCRYPTED PRIVATE KEY');
  if (keys.length !== 1) throw new PemProblem(keys.length === 0 ? 'no PRIVATE KEY block in the PEM' : `it holds ${keys.length} private keys; expected one`);
  return privateKeyFromBlock(keys[0]);
}

/** Whether `keyPem` is the key of the certificate `certificatePem` (a key store's leaf). */
export function keyMatches(certificatePem: string, keyPem: string): boolean {
  return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem));
}

/** What makes a key store and a separate key unusable as a client identity. */
export type ClientIdentityProblem = 'key-without-certificate' | 'no-key' | 'mismatch';

/**
 * A client identity (TLS cert chain and key) from a key store and, if given, a separate key,
 * which wins over one inside the store; undefined when neither is given. Callers word the
 * problem for where the settings came from (a bench file key, an SDK option).
 */
export function clientIdentity(
  keyStore: { certificates: string[]; privateKey?: string } | undefined,
  privateKey: string | undefined,
): { cert: string; key: string } | ClientIdentityProblem | undefined {
  if (!keyStore) return privateKey === undefined ? undefined : 'key-without-certificate';
  const key = privateKey ?? keyStore.privateKey;
  if (key === undefined) return 'no-key';
  if (!keyMatches(keyStore.certificates[0], key)) return 'mismatch';
  return { cert: keyStore.certificates.join(''), key };
}
