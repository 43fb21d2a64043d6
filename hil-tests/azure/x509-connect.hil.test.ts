import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/board-target.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { collected } from '../support/collected.js';
import { startMosquitto, type Mosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { createTestPki, type TestIdentity, type TestPki } from '../support/test-pki.js';
import { tsApp, type BoardApp } from '../../drivers/boards/apps/board-app.js';

// With `azure.x509`, the bridge logs the board into IoT Hub with a device certificate: the
// broker (a real Mosquitto that requires a client certificate from the test CA, standing in for
// IoT Hub's X.509 authentication) must get the certificate in the TLS handshake and IoT Hub's
// user name with no password in the CONNECT, whatever the app itself put there.

const HUB = 'myhub.azure-devices.net';
let pki: TestPki;
let broker: Mosquitto;
let bench: Dl7450Bench | undefined;

beforeAll(async () => {
  pki = await createTestPki();
  broker = await startMosquitto({
    listeners: { mtls: [`cafile ${pki.ca.certFile}`, `certfile ${pki.server.certFile}`, `keyfile ${pki.server.keyFile}`, 'require_certificate true'] },
  });
});
afterAll(async () => {
  await broker?.stop();
  await pki?.stop();
});
afterEach(async () => {
  await bench?.stop();
  bench = undefined;
});

/** The board behind the bridge, whose bench file gives the device `identity` for IoT Hub. */
const startX509Bench = (app: BoardApp, identity: TestIdentity) =>
  startDl7450Bench(
    { ...broker, url: `mqtts://localhost:${broker.listeners.mtls}` },
    {
      app,
      bridge: {
        tls: { trustStore: { file: pki.ca.certFile } },
        azure: { hub: HUB, deviceId: 'dev-x509', x509: { cert: { file: identity.certFile }, key: { file: identity.keyFile } } },
      },
    },
  );

describeNeeding(['app-choice'], 'Azure IoT Hub with an X.509 device certificate from the bench', () => {
  it('presents the certificate, sends the IoT Hub user name and no password, and logs no key', async () => {
    const rcs = collected<number>();
    const app = tsApp(({ mqtt }) => {
      const client = new mqtt.MqttClient(`ssl://${HUB}:8883`, 'dev-x509');
      // What the app brings is replaced: X.509 devices log in with no password at all.
      client.connect((rc) => rcs.push(rc), { keep_alive: 60, username: 'app-user', password: 'app-password' });
    });
    bench = await startX509Bench(app, pki.client);
    await rcs.until((r) => r.length > 0);
    expect(rcs.items[0]).toBe(0);
    // Mosquitto shows the user name it got: IoT Hub's, and p2 = a 3.1.1 CONNECT.
    await broker.waitForLog(new RegExp(`New client connected .* as dev-x509 \\(p2, c0, k60, u'${HUB.replace(/\./g, '\\.')}/dev-x509/\\?api-version=2021-04-12'\\)`), 10_000);
    const connect = bench.logs.find((l) => l.msg === 'board -> broker' && (l.packet as { cmd?: string })?.cmd === 'connect');
    expect(connect?.packet).toMatchObject({ username: `${HUB}/dev-x509/?api-version=2021-04-12`, hasPassword: false });
    const logText = JSON.stringify(bench.logs);
    expect(logText).not.toContain(pki.client.keyPem.split('\n')[1]);
    expect(logText).not.toContain('app-password');
  });

  it('is refused by the broker without a certificate it trusts: the board hears tls_failed, not a hang', async () => {
    const rcs = collected<number>();
    const app = tsApp(({ mqtt }) => new mqtt.MqttClient(`ssl://${HUB}:8883`, 'dev-x509').connect((rc) => rcs.push(rc), { keep_alive: 60 }));
    bench = await startX509Bench(app, pki.otherCa); // a CA the broker does not trust
    await rcs.until((r) => r.length > 0);
    expect(rcs.items[0]).toBeLessThan(0);
    const failure = bench.logs.find((l) => l.msg === 'broker connection failed' || l.msg === 'connection closed');
    expect(JSON.stringify(failure)).toMatch(/client certificate/i);
  });
});
