import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { ConfigError } from './config-error.js';

const KEY = Buffer.from('k'.repeat(32)).toString('base64');
const board = (azure: unknown, extra: Record<string, unknown> = {}) => ({ boards: [{ name: 'b', port: '/dev/ttyACM0', azure, ...extra }] });
const issues = (doc: unknown): string[] => {
  try {
    parseConfig(doc, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
};

afterEach(() => {
  delete process.env.TEST_AZURE_KEY;
});

describe('a board\'s azure: block', () => {
  it('reads the device key from env or file, and keeps only a signer', () => {
    process.env.TEST_AZURE_KEY = KEY;
    const fromEnv = parseConfig(board({ hub: 'myhub.azure-devices.net', deviceId: 'dev1', deviceKey: { env: 'TEST_AZURE_KEY' } }), 'test').boards[0].azure;
    expect(fromEnv?.deviceKey?.source).toBe('env TEST_AZURE_KEY');
    expect(fromEnv?.tokenTtlS).toBe(3600);
    const file = join(mkdtempSync(join(tmpdir(), 'azure-')), 'key');
    writeFileSync(file, `${KEY}\n`);
    const fromFile = parseConfig(board({ hub: 'myhub.azure-devices.net', deviceId: 'dev1', deviceKey: { file }, tokenTtlS: 600 }), 'test').boards[0].azure;
    expect(fromFile?.deviceKey?.token('x', 1)).toMatch(/^SharedAccessSignature sr=x&sig=/);
    expect(fromFile?.tokenTtlS).toBe(600);
  });

  it('names the key path and the source, never the value', () => {
    expect(issues(board({ hub: 'myhub.azure-devices.net', deviceId: 'dev1', deviceKey: { env: 'TEST_AZURE_KEY' } }))).toEqual(['boards[0].azure.deviceKey: env TEST_AZURE_KEY is not set']);
    const bad = issues(board({ hub: 'myhub.azure-devices.net', deviceId: 'dev1', deviceKey: 'not-base64-secret!' }));
    expect(bad).toEqual([expect.stringMatching(/^boards\[0\]\.azure\.deviceKey: an inline value: the Azure device key is not base64/)]);
    expect(bad.join()).not.toContain('not-base64-secret');
  });

  it('refuses what cannot work', () => {
    expect(issues(board({ hub: 'not a host', deviceId: 'd' }))).toEqual([expect.stringMatching(/^boards\[0\]\.azure\.hub: expected an IoT Hub host name/)]);
    expect(issues(board({ hub: 'h.azure-devices.net', deviceId: 'a/b' }))).toEqual([expect.stringMatching(/^boards\[0\]\.azure\.deviceId: expected a device id/)]);
    expect(issues(board({ hub: 'h.azure-devices.net', deviceId: 'd', tokenTtlS: 600 }))).toEqual(['boards[0].azure.tokenTtlS: tokenTtlS needs deviceKey (tokens are signed with it)']);
    expect(issues(board({ hub: 'h.azure-devices.net', deviceId: 'd', desired: { a: 1 } }))).toEqual(['boards[0].azure.desired: desired needs twin: offline']);
    expect(issues(board({ hub: 'h.azure-devices.net', deviceId: 'd', sas: 'x' }))).toEqual(['boards[0].azure.sas: unknown key']);
  });

  it('runs the offline twin only on the embedded broker', () => {
    const twin = { hub: 'h.azure-devices.net', deviceId: 'd', twin: 'offline', desired: { interval: 5 } };
    expect(issues({ broker: 'tcp://127.0.0.1:1883', ...board(twin) })).toEqual([expect.stringMatching(/^boards\[0\]\.azure\.twin: twin: offline needs the board's broker to be "embedded"/)]);
    expect(issues({ broker: 'embedded', ...board(twin) })).toEqual([]);
    expect(issues({ broker: 'tcp://127.0.0.1:1883', ...board(twin, { broker: 'embedded' }) })).toEqual([]);
    const two = { broker: 'embedded', boards: [{ name: 'a', port: '/dev/ttyACM0', azure: twin }, { name: 'b', port: '/dev/ttyACM1', azure: twin }] };
    expect(issues(two)).toEqual(['boards[1].azure.deviceId: device d of h.azure-devices.net is already boards[0]']);
  });

  it('reads an X.509 device certificate and key (PEM files), and refuses them with a device key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'azure-x509-'));
    const [cert, key] = [join(dir, 'dev1.pem'), join(dir, 'dev1.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=dev1', '-days', '1'], { stdio: 'ignore' });
    const azure = parseConfig(board({ hub: 'h.azure-devices.net', deviceId: 'dev1', x509: { cert: { file: cert }, key: { file: key } } }), 'test').boards[0].azure;
    expect(azure?.x509?.cert).toHaveLength(1);
    expect(azure?.x509?.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(azure?.x509?.source).toBe(`file ${cert}`);
    expect(issues(board({ hub: 'h.azure-devices.net', deviceId: 'dev1', deviceKey: KEY, x509: { cert: { file: cert }, key: { file: key } } }))).toEqual(['boards[0].azure.x509: give either deviceKey or x509, not both']);
    expect(issues(board({ hub: 'h.azure-devices.net', deviceId: 'dev1', x509: { cert: { file: key }, key: { file: key } } }))).toEqual([expect.stringMatching(/^boards\[0\]\.azure\.x509\.cert: file .*: no -----BEGIN CERTIFICATE-----/)]);
  });
});
