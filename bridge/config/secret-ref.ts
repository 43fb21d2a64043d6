import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Where a secret is, as a bench file writes it: the value itself (a string), `{ file: path }`
 * (the file's bytes; a relative path is taken from the working directory), or `{ env: NAME }`
 * (the variable's value). Keys, SAS device keys and passwords can then stay out of the file.
 *
 * Usage: put `secretRef` in a schema, keep the reference as parsed, and call
 * `resolveSecret(ref, 'boards[0].tls.privateKey')` once, at config load. Show a secret as
 * `describeSecretRef(ref)` — never its value — in logs and messages.
 */
export type SecretRef = string | { file: string } | { env: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// The union's own words: a string always matches, so nothing here ever quotes a secret.
const SHAPES = 'a value, { file: path } or { env: NAME }';

export const secretRef: z.ZodType<SecretRef> = z.union(
  [
    z.string().min(1, { error: `expected ${SHAPES}, got an empty string` }),
    z.strictObject({ file: z.string().min(1, { error: 'expected a file path' }) }),
    z.strictObject({ env: z.string().regex(ENV_NAME, { error: 'expected an environment variable name: letters, digits and _, not first a digit' }) }),
  ],
  {
    error: (issue) => {
      if (issue.input === undefined) return 'required';
      return `expected ${SHAPES}, got ${shapeOf(issue.input)}`;
    },
  },
);

/** A reference that cannot be resolved; `problem` is the message without the key path. */
export class SecretRefError extends Error {
  override name = 'SecretRefError';

  constructor(
    readonly what: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(what ? `${what}: ${problem}` : problem, options);
  }
}

/** `file /etc/bench/ca.pem`, `env DL7450_KEY`, `an inline value`: where it is, never what. */
export function describeSecretRef(ref: SecretRef): string {
  if (typeof ref === 'string') return 'an inline value';
  return 'file' in ref ? `file ${ref.file}` : `env ${ref.env}`;
}

/**
 * The secret's bytes: a file's exactly as stored, an env value or inline string as UTF-8.
 * Throws a SecretRefError naming `what` (the key path) and the reference, never the value.
 */
export function resolveSecret(ref: SecretRef, what: string): Buffer {
  if (typeof ref === 'string') {
    if (ref === '') throw new SecretRefError(what, 'the value is empty');
    return Buffer.from(ref, 'utf8');
  }
  if ('file' in ref) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(ref.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SecretRefError(what, `file ${ref.file} not readable: ${code}`, { cause: error });
    }
    if (bytes.length === 0) throw new SecretRefError(what, `file ${ref.file} is empty`);
    return bytes;
  }
  const value = process.env[ref.env];
  if (value === undefined) throw new SecretRefError(what, `env ${ref.env} is not set`);
  if (value === '') throw new SecretRefError(what, `env ${ref.env} is empty`);
  return Buffer.from(value, 'utf8');
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return typeof value === 'string' ? 'a string' : String(value);
}
