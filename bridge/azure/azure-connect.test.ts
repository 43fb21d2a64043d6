import { describe, expect, it } from 'vitest';
import { parser, type IConnectPacket } from 'mqtt-packet';
import { azureSchema } from '../config/azure-schema.js';
import { createAzureConnectRewriter } from './azure-connect.js';
import { sasTokenProblem, decodeDeviceKey } from './sas-token.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const boardConnect = (clientId: string, extra: Partial<IConnectPacket> = {}): IConnectPacket => ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: false, keepalive: 30, ...extra });

const parse = (bytes: Buffer): IConnectPacket => {
  const p = parser({ protocolVersion: 4 });
  let got: IConnectPacket | undefined;
  p.on('packet', (packet) => (got = packet as IConnectPacket));
  p.parse(bytes);
  return got as IConnectPacket;
};

describe('the Azure CONNECT rewrite', () => {
  it('puts the IoT Hub user name and a fresh SAS token in, the rest unchanged', () => {
    const azure = azureSchema.parse({ hub: 'myhub.azure-devices.net', deviceId: 'dev1', deviceKey: KEY, tokenTtlS: 600 });
    let now = 1_700_000_000_000;
    const rewrite = createAzureConnectRewriter(azure, () => now);
    const will = { topic: 'devices/dev1/messages/events/', payload: Buffer.from('gone'), qos: 1 as const, retain: false };
    const first = parse(rewrite(boardConnect('dev1', { username: 'app', password: Buffer.from('app-pw'), will })));
    expect(first.username).toBe('myhub.azure-devices.net/dev1/?api-version=2021-04-12');
    expect([first.clientId, first.clean, first.keepalive, first.will?.topic]).toEqual(['dev1', false, 30, will.topic]);
    const token = String(first.password);
    expect(token).toMatch(/&se=1700000600$/);
    expect(sasTokenProblem(token, 'myhub.azure-devices.net/devices/dev1', decodeDeviceKey(KEY), 1_700_000_000)).toBeUndefined();
    now += 3_600_000;
    const second = String(parse(rewrite(boardConnect('dev1'))).password);
    expect(second).not.toBe(token);
    expect(second).toMatch(/&se=1700004200$/);
  });

  it('refuses another client id in words that say what to fix', () => {
    const rewrite = createAzureConnectRewriter(azureSchema.parse({ hub: 'h.azure-devices.net', deviceId: 'dev1', deviceKey: KEY }));
    expect(() => rewrite(boardConnect('other'))).toThrow(/client id "other".*device id "dev1"/);
  });

  it('keeps the board\'s password without a key, and drops it with X.509', () => {
    const plain = createAzureConnectRewriter(azureSchema.parse({ hub: 'h.azure-devices.net', deviceId: 'd' }));
    expect(String(parse(plain(boardConnect('d', { username: 'u', password: Buffer.from('own-token') }))).password)).toBe('own-token');
    const x509 = { ...azureSchema.parse({ hub: 'h.azure-devices.net', deviceId: 'd' }), x509: { source: 'file c', cert: ['C'], key: 'K' } };
    expect(parse(createAzureConnectRewriter(x509)(boardConnect('d', { username: 'u', password: Buffer.from('p') }))).password).toBeUndefined();
  });

  it('keeps the device key out of JSON and inspect output of the config', async () => {
    const azure = azureSchema.parse({ hub: 'h.azure-devices.net', deviceId: 'd', deviceKey: KEY });
    const { inspect } = await import('node:util');
    for (const text of [JSON.stringify(azure), inspect(azure, { depth: 5 })]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('0123456789abcdef');
    }
  });
});

describe('X.509 toward the hub', () => {
  it('puts the device certificate and key over a tls: block\'s, keeping its trust store', async () => {
    const { withAzureX509 } = await import('./azure-tls.js');
    const azure = { ...azureSchema.parse({ hub: 'h.azure-devices.net', deviceId: 'd' }), x509: { source: 'file c', cert: ['C1', 'C2'], key: 'K' } };
    expect(withAzureX509({ ca: ['CA'], cert: 'old', rejectUnauthorized: true }, azure)).toEqual({ ca: ['CA'], cert: 'C1C2', key: 'K', rejectUnauthorized: true });
    expect(withAzureX509(undefined, azure)).toEqual({ cert: 'C1C2', key: 'K' });
    expect(withAzureX509({ ca: ['CA'] }, undefined)).toEqual({ ca: ['CA'] });
  });
});
