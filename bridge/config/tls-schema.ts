import net from 'node:net';
import { z } from 'zod';
import { describeSecretRef, resolveSecret, secretRef, SecretRefError, type SecretRef } from './secret-ref.js';
import { keyStoreFrom, PemProblem, privateKeyFrom, trustStoreFrom } from './tls-pem.js';

// The `tls:` block of a board or of `defaults:`. Secrets are read here, at load, so that a
// missing file or variable stops the bridge before it starts, naming the key.

/** A secret as read: where it came from (for messages) and what it gave. */
export interface Resolved<T> {
  source: string;
  value: T;
}

export interface RawTls {
  trustStore?: Resolved<string[]>;
  keyStore?: Resolved<{ certificates: string[]; privateKey?: string }>;
  privateKey?: Resolved<string>;
  verify?: boolean;
  servername?: string;
  /** Use the TLS settings a board sends with its OPEN (protocol 3.1.1) in place of these. */
  fromBoard?: boolean;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

function material<T>(read: (bytes: Buffer) => T) {
  return secretRef.transform((ref: SecretRef, ctx): Resolved<T> => {
    const source = describeSecretRef(ref);
    try {
      return { source, value: read(resolveSecret(ref, '')) };
    } catch (error) {
      if (error instanceof SecretRefError) ctx.issues.push({ code: 'custom', message: error.problem, input: source });
      else if (error instanceof PemProblem) ctx.issues.push({ code: 'custom', message: `${source}: ${error.message}`, input: source });
      else throw error;
      return z.NEVER;
    }
  });
}

const shown = (value: unknown): string =>
  Array.isArray(value) ? 'a list' : value !== null && typeof value === 'object' ? 'an object' : typeof value === 'string' ? JSON.stringify(value) : String(value);
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}, got ${shown(issue.input)}`);

export const tlsSchema = z.strictObject(
  {
    trustStore: material(trustStoreFrom).optional(),
    keyStore: material(keyStoreFrom).optional(),
    privateKey: material(privateKeyFrom).optional(),
    verify: z.boolean({ error: expected('true or false') }).optional(),
    fromBoard: z.boolean({ error: expected('true or false') }).optional(),
    servername: z
      .string({ error: expected('a host name') })
      .refine((name) => HOST_NAME.test(name) && net.isIP(name) === 0, { error: expected('a host name (not an IP address: TLS sends no IP in SNI)') })
      .optional(),
  },
  { error: (issue) => (issue.input === undefined ? 'required' : 'expected an object such as { trustStore: { file: ca.pem } }') },
) satisfies z.ZodType<RawTls>;
