import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../hil-tests/support/test-pki.js';
import { BoardTls } from './board-tls.js';
import { ConfigError } from './config-error.js';
import { parseConfig } from './parse-config.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.stop());
afterEach(() => {
  delete process.env.DL7450_TEST_KEY;
});

const bench = (tls: unknown, defaults?: unknown) => ({
  broker: 'ssl://broker.example:8883',
  ...(defaults !== undefined && { defaults: { tls: defaults } }),
  boards: [{ name: 'a', port: '/dev/ttyACM0', ...(tls !== undefined && { tls }) }],
});
const tlsOf = (value: unknown): BoardTls => parseConfig(value, 'bench.yaml').boards[0].tls as BoardTls;
const problems = (value: unknown): string => {
  try {
    parseConfig(value, 'bench.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the config was accepted');
};
const keyBody = () => pki.client.keyPem.split('\n')[1];

describe('tls: in the bench config', () => {
  it('reads the trust store (PEM or DER file), verifying by default', () => {
    const pem = tlsOf(bench({ trustStore: { file: pki.ca.certFile } }));
    expect(pem.summary).toEqual({ verify: true, trustStore: `file ${pki.ca.certFile}` });
    expect(pem.connectionOptions()).toEqual({ rejectUnauthorized: true, ca: [pki.ca.certPem] });
    const der = tlsOf(bench({ trustStore: { file: pki.ca.certDerFile } }));
    expect(der.connectionOptions().ca).toEqual([pki.ca.certPem]); // DER turned into the same PEM
  });

  it('takes the client key from privateKey (env), or from the key store when it holds one', () => {
    process.env.DL7450_TEST_KEY = pki.client.keyPem;
    const fromEnv = tlsOf(bench({ keyStore: { file: pki.client.certFile }, privateKey: { env: 'DL7450_TEST_KEY' } })).connectionOptions();
    expect(fromEnv).toMatchObject({ cert: pki.client.certPem, key: expect.stringContaining('BEGIN PRIVATE KEY') });
    const inStore = tlsOf(bench({ keyStore: `${pki.client.certPem}${pki.client.keyPem}` })).connectionOptions();
    expect(inStore.cert).toBe(pki.client.certPem);
    expect(inStore.key).toBe(fromEnv.key);
    const derKey = tlsOf(bench({ keyStore: { file: pki.client.certDerFile }, privateKey: { file: pki.client.keyDerFile } })).connectionOptions();
    expect(derKey.key).toBe(fromEnv.key);
  });

  it('merges defaults.tls key by key, a board\'s own keys first', () => {
    const tls = tlsOf(bench({ keyStore: { file: pki.client.certFile }, privateKey: { file: pki.client.keyFile } }, { trustStore: { file: pki.ca.certFile }, verify: false }));
    expect(tls.summary).toEqual({ verify: false, trustStore: `file ${pki.ca.certFile}`, keyStore: `file ${pki.client.certFile}`, privateKey: `file ${pki.client.keyFile}` });
    expect(tls.connectionOptions().rejectUnauthorized).toBe(false);
    expect(parseConfig({ boards: [{ name: 'a', port: '/dev/ttyACM0' }] }, 'x').boards[0].tls).toBeUndefined();
  });

  it('shows where secrets came from, never them: JSON, inspect and the config object', () => {
    const config = parseConfig(bench({ trustStore: pki.ca.certPem, keyStore: { file: pki.client.certFile }, privateKey: pki.client.keyPem }), 'bench.yaml');
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), inspect(config, { depth: 10, showHidden: true })]) {
      expect(shown).not.toContain(keyBody());
      expect(shown).toContain('an inline value');
    }
  });

  it('fails at load, naming the key and the reference, for a missing file or variable', () => {
    const missing = `${pki.dir}/missing.pem`;
    expect(problems(bench({ trustStore: { file: missing } }))).toBe(`bench.yaml: boards[0].tls.trustStore: file ${missing} not readable: ENOENT`);
    expect(problems(bench({ keyStore: { file: pki.client.certFile }, privateKey: { env: 'DL7450_KEY' } }))).toBe('bench.yaml: boards[0].tls.privateKey: env DL7450_KEY is not set');
    expect(problems(bench(undefined, { trustStore: { env: 'DL7450_NO_CA' } }))).toBe('bench.yaml: defaults.tls.trustStore: env DL7450_NO_CA is not set');
  });

  it('refuses content that is not what the key needs, without quoting it', () => {
    const notPem = problems(bench({ trustStore: 'hunter2-not-a-certificate' }));
    expect(notPem).toBe('bench.yaml: boards[0].tls.trustStore: an inline value: expected PEM (-----BEGIN CERTIFICATE-----) or a DER certificate');
    const keyInTrust = problems(bench({ trustStore: `${pki.ca.certPem}${pki.client.keyPem}` }));
    expect(keyInTrust).toContain('a trust store holds only CA certificates');
    expect(keyInTrust).not.toContain(keyBody());
    expect(problems(bench({ privateKey: { file: pki.client.certFile } }))).toContain(`boards[0].tls.privateKey: file ${pki.client.certFile}: no PRIVATE KEY block in the PEM`);
  });

  it('refuses a key without its certificate, a certificate without a key, and a key of another certificate', () => {
    expect(problems(bench({ privateKey: { file: pki.client.keyFile } }))).toBe('bench.yaml: boards[0].tls.privateKey: a private key needs its certificate: give keyStore too');
    expect(problems(bench({ keyStore: { file: pki.client.certFile } }))).toBe(`bench.yaml: boards[0].tls.keyStore: file ${pki.client.certFile} holds no private key: include it there or give privateKey`);
    expect(problems(bench({ keyStore: { file: pki.client.certFile }, privateKey: { file: pki.server.keyFile } }))).toBe(
      `bench.yaml: boards[0].tls.privateKey: the private key (file ${pki.server.keyFile}) is not the key of the keyStore's first certificate (file ${pki.client.certFile})`,
    );
  });

  it("allows the board's own TLS settings only when fromBoard is true, from defaults or the board", () => {
    expect(tlsOf(bench({ fromBoard: true })).summary).toEqual({ verify: true, fromBoard: true });
    expect(tlsOf(bench({ trustStore: { file: pki.ca.certFile } }, { fromBoard: true })).summary.fromBoard).toBe(true);
    expect(tlsOf(bench({ fromBoard: false }, { fromBoard: true })).summary.fromBoard).toBeUndefined();
  });

  it('wants verify as a boolean, servername as a host name, and no unknown keys', () => {
    expect(problems(bench({ verify: 'no' }))).toBe('bench.yaml: boards[0].tls.verify: expected true or false, got "no"');
    expect(problems(bench({ verify: 0 }))).toBe('bench.yaml: boards[0].tls.verify: expected true or false, got 0');
    expect(problems(bench({ fromBoard: 'yes' }))).toBe('bench.yaml: boards[0].tls.fromBoard: expected true or false, got "yes"');
    expect(problems(bench({ servername: '10.0.0.1' }))).toContain('boards[0].tls.servername: expected a host name (not an IP address');
    expect(problems(bench({ trustStore: { file: pki.ca.certFile }, insecure: true }))).toBe('bench.yaml: boards[0].tls.insecure: unknown key');
    expect(problems(bench({ trustStore: { file: pki.ca.certFile, pem: 'x' } }))).toBe('bench.yaml: boards[0].tls.trustStore.pem: unknown key');
    expect(problems(bench('yes'))).toBe('bench.yaml: boards[0].tls: expected an object such as { trustStore: { file: ca.pem } }');
  });
});
