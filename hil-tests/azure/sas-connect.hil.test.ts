import { afterEach, expect, it } from 'vitest';
import type { IConnectPacket } from 'mqtt-packet';
import { describeNeeding } from '../support/board-target.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { collected } from '../support/collected.js';
import type { TestBroker } from '../support/test-broker-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bridge/broker/embedded-broker.js';
import { tsApp } from '../../drivers/boards/apps/board-app.js';
import { decodeDeviceKey, sasTokenProblem } from '../../bridge/azure/sas-token.js';
import { parse as parseOne } from './parse-connect.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';

// With `azure.deviceKey`, the bridge logs the board into IoT Hub itself: the broker (an Aedes
// that checks tokens as IoT Hub does) must see the IoT Hub user name and a SAS token that
// verifies, and neither the key nor the token may reach the bridge's log or its captures.

const HUB = 'myhub.azure-devices.net';
const KEY = Buffer.from('device-key-bytes-for-the-sas-test').toString('base64');
const ENV = 'DL7450_TEST_AZURE_DEVICE_KEY';

let bench: Dl7450Bench | undefined;
let broker: EmbeddedBroker | undefined;
afterEach(async () => {
  await bench?.stop();
  await broker?.close();
  bench = undefined;
  delete process.env[ENV];
});

/** An Aedes that lets a device in only with IoT Hub's user name and a valid token, as IoT Hub does. */
async function iotHubLikeBroker(seen: { username?: string; token?: string; problem?: string }[]) {
  const key = decodeDeviceKey(KEY);
  broker = await startEmbeddedBroker({
    aedes: {
      authenticate: (client, username, password, done) => {
        const token = password?.toString();
        const problem =
          username !== `${HUB}/${client.id}/?api-version=2021-04-12` ? `user name ${username}` : sasTokenProblem(token ?? '', `${HUB}/devices/${client.id}`, key, Math.floor(Date.now() / 1000));
        seen.push({ username, token, problem });
        if (problem) return done(Object.assign(new Error(problem), { returnCode: 4 as const }), false);
        done(null, true);
      },
    },
  });
  return { url: broker.url } as TestBroker;
}

const connectingApp = (clientId: string, rcs: ReturnType<typeof collected<number>>) =>
  tsApp(({ mqtt }) => {
    const client = new mqtt.MqttClient(`ssl://${HUB}:8883`, clientId);
    // A board app that knows nothing of tokens: the bridge supplies the credentials.
    client.connect((rc) => rcs.push(rc), { keep_alive: 60 });
  });

describeNeeding(['app-choice'], 'Azure IoT Hub credentials from the bench', () => {
  it('sends the IoT Hub user name and a SAS token that verifies, and logs and captures neither key nor token', async () => {
    process.env[ENV] = KEY;
    const seen: { username?: string; token?: string; problem?: string }[] = [];
    const target = await iotHubLikeBroker(seen);
    const rcs = collected<number>();
    bench = await startDl7450Bench(target, {
      app: connectingApp('dev1', rcs),
      poweredOn: false,
      bridge: { azure: { hub: HUB, deviceId: 'dev1', deviceKey: { env: ENV }, tokenTtlS: 600 } },
    });
    const captures: PacketCapture[] = [];
    const sub = bench.daemon.boards.get('dut')?.captures$.subscribe((c) => captures.push(c));
    await bench.board.powerOn();
    await rcs.until((r) => r.includes(0));
    sub?.unsubscribe();

    expect(seen).toHaveLength(1);
    const [login] = seen;
    expect(login.problem).toBeUndefined();
    expect(login.token).toMatch(/^SharedAccessSignature sr=myhub\.azure-devices\.net%2Fdevices%2Fdev1&sig=[^&]+&se=\d+$/);
    const se = Number(/se=(\d+)/.exec(login.token ?? '')?.[1]);
    expect(Math.abs(se - (Date.now() / 1000 + 600))).toBeLessThan(30);

    const logText = JSON.stringify(bench.logs);
    const sig = decodeURIComponent(/sig=([^&]+)/.exec(login.token ?? '')?.[1] ?? '');
    for (const secret of [KEY, login.token as string, sig, encodeURIComponent(sig)]) expect(logText).not.toContain(secret);
    expect(bench.logs.find((l) => l.msg === 'board -> broker')?.packet).toMatchObject({ cmd: 'connect', username: `${HUB}/dev1/?api-version=2021-04-12`, hasPassword: true });

    const connect = captures.find((c) => c.cmd === 'connect');
    expect(connect).toBeDefined();
    const captured = parseOne(connect?.bytes as Buffer) as IConnectPacket;
    expect(captured.username).toBe(`${HUB}/dev1/?api-version=2021-04-12`);
    expect(String(captured.password)).toBe('<redacted>');
  });

  it('refuses a board whose client id is not the device id, in plain words, before the broker sees it', async () => {
    process.env[ENV] = KEY;
    const seen: { username?: string; token?: string; problem?: string }[] = [];
    const target = await iotHubLikeBroker(seen);
    const rcs = collected<number>();
    bench = await startDl7450Bench(target, { app: connectingApp('not-dev1', rcs), bridge: { azure: { hub: HUB, deviceId: 'dev1', deviceKey: { env: ENV } } } });
    await rcs.until((r) => r.length > 0);
    expect(rcs.items[0]).toBeLessThan(0); // the connection was lost: the SDK's on_connect(-1)
    const refusal = bench.logs.find((l) => l.msg === 'connection closed' && typeof l.detail === 'string');
    expect(refusal?.detail).toMatch(/client id "not-dev1".*IoT Hub requires the device id "dev1"/);
    expect(seen).toHaveLength(0);
  });
});
