import { execFile } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { findExecutable } from './find-executable.js';

// Mosquitto 2's own format ($7$): PBKDF2-HMAC-SHA512, 101 iterations, a 12-byte salt and a
// 64-byte key, both base64: `user:$7$101$<salt>$<key>`. mosquitto_passwd writes the same.
const ITERATIONS = 101;
const SALT_BYTES = 12;
const KEY_BYTES = 64;

/** The `$7$...` hash mosquitto 2 accepts in a password file. */
export function mosquittoPasswordHash(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const key = pbkdf2Sync(password, salt, ITERATIONS, KEY_BYTES, 'sha512');
  return `$7$${ITERATIONS}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface PasswordFileOptions {
  /** 'auto' (default): mosquitto_passwd when installed, else hash here; 'builtin': always hash here. */
  hasher?: 'auto' | 'builtin';
}

/** Writes a mosquitto password file for `users` (name -> password); says which hasher it used. */
export async function writePasswordFile(
  path: string,
  users: Record<string, string>,
  options: PasswordFileOptions = {},
): Promise<'mosquitto_passwd' | 'builtin'> {
  for (const [user, password] of Object.entries(users)) {
    if (user === '' || /[:\n\r]/.test(user)) throw new TypeError(`user name ${JSON.stringify(user)} cannot go in a password file`);
    if (typeof password !== 'string' || /[\n\r]/.test(password)) throw new TypeError(`password of user "${user}" must be a one-line string`);
  }
  const tool = options.hasher === 'builtin' ? undefined : findExecutable('mosquitto_passwd');
  if (!tool) {
    const lines = Object.entries(users).map(([user, password]) => `${user}:${mosquittoPasswordHash(password)}\n`);
    await writeFile(path, lines.join(''), { mode: 0o600 });
    return 'builtin';
  }
  await writeFile(path, '', { mode: 0o600 });
  for (const [user, password] of Object.entries(users)) {
    await promisify(execFile)(tool, ['-b', path, user, password]);
  }
  return 'mosquitto_passwd';
}
