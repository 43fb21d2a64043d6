import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeSecretRef, resolveSecret, secretRef, SecretRefError } from './secret-ref.js';

const dir = mkdtempSync(join(tmpdir(), 'dl7450-secret-'));
const VALUE = 'sup3r-s3cret-value';
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.DL7450_TEST_SECRET;
  delete process.env.DL7450_TEST_EMPTY;
});

const problem = (fn: () => unknown): SecretRefError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretRefError);
    return error as SecretRefError;
  }
  throw new Error('it resolved');
};

describe('resolveSecret', () => {
  it('reads an env variable, a file (bytes as stored) and an inline value', () => {
    process.env.DL7450_TEST_SECRET = VALUE;
    expect(resolveSecret({ env: 'DL7450_TEST_SECRET' }, 'k').toString()).toBe(VALUE);
    const file = join(dir, 'secret.bin');
    writeFileSync(file, Buffer.from([0x30, 0x00, 0xff, 0x0a]));
    expect([...resolveSecret({ file }, 'k')]).toEqual([0x30, 0x00, 0xff, 0x0a]);
    expect(resolveSecret(VALUE, 'k').toString()).toBe(VALUE);
  });

  it('names the key path and the reference when it cannot, never a value', () => {
    const missing = join(dir, 'nope.pem');
    expect(problem(() => resolveSecret({ file: missing }, 'boards[0].tls.trustStore')).message).toBe(`boards[0].tls.trustStore: file ${missing} not readable: ENOENT`);
    expect(problem(() => resolveSecret({ file: dir }, 'k')).message).toBe(`k: file ${dir} not readable: EISDIR`);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expect(problem(() => resolveSecret({ file: empty }, 'k')).problem).toBe(`file ${empty} is empty`);
    expect(problem(() => resolveSecret({ env: 'DL7450_KEY_UNSET_FOR_TEST' }, 'boards[1].tls.privateKey')).message).toBe('boards[1].tls.privateKey: env DL7450_KEY_UNSET_FOR_TEST is not set');
    process.env.DL7450_TEST_EMPTY = '';
    expect(problem(() => resolveSecret({ env: 'DL7450_TEST_EMPTY' }, 'k')).problem).toBe('env DL7450_TEST_EMPTY is empty');
  });

  it('describes a reference by where it is', () => {
    expect(describeSecretRef({ file: '/etc/ca.pem' })).toBe('file /etc/ca.pem');
    expect(describeSecretRef({ env: 'KEY' })).toBe('env KEY');
    expect(describeSecretRef(VALUE)).toBe('an inline value');
  });
});

describe('secretRef schema', () => {
  it('takes the three shapes', () => {
    for (const ref of [VALUE, { file: 'a.pem' }, { env: 'A_1' }]) expect(secretRef.parse(ref)).toEqual(ref);
  });

  it('refuses other shapes in words that never quote a value', () => {
    const message = (value: unknown) => secretRef.safeParse(value).error?.issues[0].message;
    // An object that is nearly a shape gets that shape's own complaint (at its key, in a config).
    expect(secretRef.safeParse({ file: 'a.pem', value: VALUE }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['value'] });
    expect(message({ env: 'lower-case' })).toBe('expected an environment variable name: letters, digits and _, not first a digit');
    expect(message({ file: '' })).toBe('expected a file path');
    expect(message({ path: 'a.pem' })).toBe('expected a value, { file: path } or { env: NAME }, got an object with keys path');
    expect(message(42)).toBe('expected a value, { file: path } or { env: NAME }, got 42');
    expect(message('')).toBe('expected a value, { file: path } or { env: NAME }, got an empty string');
    expect(JSON.stringify(secretRef.safeParse({ file: 'a', value: VALUE }).error?.issues.map((i) => i.message))).not.toContain(VALUE);
  });
});
