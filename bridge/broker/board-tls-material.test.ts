import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../hil-tests/support/test-pki.js';
import { BrokerConnectError } from './broker-connect-error.js';
import { reasonCodeFor } from './broker-reasons.js';
import { withBoardTlsMaterial } from './board-tls-material.js';
import { Reason } from '../../streams/link/protocol.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.stop());

const pem = (text: string) => Buffer.from(text);
const refusal = (fn: () => unknown): BrokerConnectError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerConnectError);
    return error as BrokerConnectError;
  }
  throw new Error('the material was accepted');
};

describe("the board's TLS settings over the bench's", () => {
  it("replaces the bench's trust store and client identity, and keeps its verification", () => {
    const base = { rejectUnauthorized: false, servername: 'broker.example', ca: ['bench ca'], cert: 'bench cert', key: 'bench key' };
    const got = withBoardTlsMaterial(base, { trustStore: pem(pki.ca.certPem), keyStore: pem(pki.client.certPem), privateKey: pem(pki.client.keyPem) });
    expect(got.ca).toEqual([pki.ca.certPem]);
    expect(got.cert).toBe(pki.client.certPem);
    expect(got.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(got).toMatchObject({ rejectUnauthorized: false, servername: 'broker.example' });
    expect(base.ca, 'the bench options are not changed').toEqual(['bench ca']);
  });

  it('keeps what the board did not send, takes DER, and a key inside the key_store', async () => {
    const trustOnly = withBoardTlsMaterial({ cert: 'bench cert', key: 'bench key' }, { trustStore: await readFile(pki.ca.certDerFile) });
    expect(trustOnly).toEqual({ ca: [pki.ca.certPem], cert: 'bench cert', key: 'bench key' });
    const both = withBoardTlsMaterial(undefined, { keyStore: pem(pki.client.certPem + pki.client.keyPem) });
    expect(both.cert).toBe(pki.client.certPem);
    expect(both.key).toMatch(/PRIVATE KEY/);
  });

  it('refuses what cannot be used, as tls_failed, naming the setting and never its content', () => {
    const secretLine = pki.client.keyPem.split('\n')[1];
    const cases = [
      [{ trustStore: pem('not a certificate') }, /trust_store: expected PEM/],
      [{ trustStore: pem(pki.ca.certPem + pki.client.keyPem) }, /trust_store: it contains a private key/],
      [{ privateKey: pem(pki.client.keyPem) }, /private_key needs its certificate/],
      [{ keyStore: pem(pki.client.certPem) }, /key_store holds no private key/],
      [{ keyStore: pem(pki.client.certPem), privateKey: pem(pki.server.keyPem) }, /not the key of the key_store's first certificate/],
      [{ keyStore: pem(pki.client.certPem), privateKey: pem(`-----BEGIN PRIVATE KEY-----\n${secretLine}\n-----END PRIVATE KEY-----`) }, /private_key: the PRIVATE KEY block is not a valid private key/],
    ] as const;
    for (const [material, message] of cases) {
      const error = refusal(() => withBoardTlsMaterial(undefined, material));
      expect(error.message).toMatch(/^TLS settings from the board: /);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(secretLine);
      expect(reasonCodeFor(error)).toBe(Reason.TLS_FAILED);
    }
  });
});
