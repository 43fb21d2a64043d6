import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSasToken, decodeDeviceKey, deviceResourceUri, sasSignature, sasTokenProblem } from './sas-token.js';
import { iotHubUsername } from './iothub-username.js';

const KEY_TEXT = Buffer.from('a device key of 32 bytes, really').toString('base64');

describe('SAS tokens', () => {
  it('matches the Azure IoT Node SDK\'s documented vector (key "password", uri "uri", expiry 12345)', () => {
    // azure-iot-sdk-node common/core/test/_shared_access_signature_test.js
    expect(encodeURIComponent(sasSignature('uri', Buffer.from('password'), 12345))).toBe('kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D');
  });

  it('signs the URL-encoded device URI and the expiry, computed independently here', () => {
    const key = decodeDeviceKey(KEY_TEXT);
    const token = createSasToken(deviceResourceUri('myhub.azure-devices.net', 'dev1'), key, 1_700_000_000);
    const sr = 'myhub.azure-devices.net%2Fdevices%2Fdev1';
    const sig = createHmac('sha256', Buffer.from(KEY_TEXT, 'base64')).update(`${sr}\n1700000000`).digest('base64');
    expect(token).toBe(`SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=1700000000`);
  });

  it('verifies what it generates, and says why a token would be refused', () => {
    const key = decodeDeviceKey(`${KEY_TEXT}\n`);
    const uri = deviceResourceUri('h.azure-devices.net', 'd');
    const token = createSasToken(uri, key, 2000);
    expect(sasTokenProblem(token, uri, key, 1999)).toBeUndefined();
    expect(sasTokenProblem(token, uri, key, 2000)).toMatch(/expired/);
    expect(sasTokenProblem(token, deviceResourceUri('h.azure-devices.net', 'other'), key, 1)).toMatch(/issued for/);
    expect(sasTokenProblem(token, uri, Buffer.from('wrong'), 1)).toBe('bad signature');
    expect(sasTokenProblem('Basic x', uri, key, 1)).toMatch(/not a SharedAccessSignature/);
  });

  it('refuses a device key that is not base64, without quoting it', () => {
    expect(() => decodeDeviceKey('not base64!!')).toThrow(/not base64/);
    try {
      decodeDeviceKey('s3cr3t-but-wrong');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });

  it('builds the IoT Hub user name', () => {
    expect(iotHubUsername('myhub.azure-devices.net', 'dev1')).toBe('myhub.azure-devices.net/dev1/?api-version=2021-04-12');
  });
});
