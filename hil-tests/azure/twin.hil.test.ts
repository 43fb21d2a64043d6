import { afterEach, expect, it } from 'vitest';
import { filter, firstValueFrom } from 'rxjs';
import { describeNeeding } from '../support/board-target.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { collected } from '../support/collected.js';
import type { TestBroker } from '../support/test-broker-types.js';
import type { TwinEvent, TwinMode } from '../../bridge/azure/twin-mode.js';
import { twinApp, type TwinAppSeen } from './twin-app.js';

// A board app using IoT Hub's twin conventions, on a virtual DL-7450, through the bridge daemon
// to its embedded broker in offline twin mode (docs/azure-iot-hub.md): every exchange checked on
// both sides, the app's and the twin's.

const HUB = 'myhub.azure-devices.net';
// The board's broker is the daemon's embedded one; the bench-wide URL is never dialled.
const UNUSED: TestBroker = { url: 'mqtt://127.0.0.1:9' } as TestBroker;

let bench: Dl7450Bench | undefined;
afterEach(async () => {
  await bench?.stop();
  bench = undefined;
});

const event = (twin: TwinMode, match: (e: TwinEvent) => boolean) => firstValueFrom(twin.events$.pipe(filter(match)));

describeNeeding(['app-choice'], 'Azure IoT Hub offline twin mode', () => {
  it('answers GET, reported PATCH, desired updates and a direct method from a board app', async () => {
    const seen = collected<TwinAppSeen>();
    bench = await startDl7450Bench(UNUSED, {
      app: twinApp(HUB, 'dev1', seen),
      bridge: { broker: 'embedded', azure: { hub: HUB, deviceId: 'dev1', twin: 'offline', desired: { interval: 5 } } },
    });
    const twin = bench.daemon.boards.get('dut')?.twin as TwinMode;
    expect(twin).toBeDefined();

    // GET: the whole twin, each section versioned.
    await seen.until((s) => s.some((m) => m.topic === '$iothub/twin/res/200/?$rid=1'));
    expect(seen.items.find((m) => m.topic === '$iothub/twin/res/200/?$rid=1')?.body).toEqual({ desired: { interval: 5, $version: 1 }, reported: { $version: 1 } });

    // Reported PATCH: 204 with the new reported $version, merged into the twin.
    await seen.until((s) => s.some((m) => m.topic === '$iothub/twin/res/204/?$rid=2&$version=2'));
    expect(twin.twin().reported).toEqual({ fw: '1.0', interval: 5, $version: 2 });

    // D2C: the app's telemetry, with its property bag.
    if (twin.d2c().length === 0) await event(twin, (e) => e.type === 'd2c');
    expect(twin.d2c().map((m) => [m.properties, JSON.parse(m.payload.toString())])).toEqual([[{ kind: 'hello' }, { booted: true }]]);

    // Desired update: pushed with its $version, reported back by the app.
    const reportedBack = event(twin, (e) => e.type === 'reported-patch' && e.version === 3);
    expect(twin.updateDesired({ interval: 10 })).toBe(2);
    await reportedBack;
    expect(seen.items.find((m) => m.topic.startsWith('$iothub/twin/PATCH/properties/desired/'))).toEqual({ topic: '$iothub/twin/PATCH/properties/desired/?$version=2', body: { interval: 10, $version: 2 } });
    expect(twin.twin()).toEqual({ desired: { interval: 10, $version: 2 }, reported: { fw: '1.0', interval: 10, desiredVersion: 2, $version: 3 } });

    // Direct methods: the app's status and body come back; an unknown one gets the app's 404.
    await expect(twin.invokeMethod('reboot', { delayS: 3 }, 10_000)).resolves.toEqual({ status: 200, payload: { method: 'reboot', accepted: true, request: { delayS: 3 } } });
    await expect(twin.invokeMethod('selfDestruct', null, 10_000)).resolves.toEqual({ status: 404, payload: { method: 'selfDestruct', accepted: false, request: null } });

    // The bridge rewrote the app's CONNECT to the IoT Hub form (it already was).
    const connect = bench.logs.find((l) => l.msg === 'board -> broker' && (l.packet as { cmd?: string }).cmd === 'connect');
    expect(connect?.packet).toMatchObject({ clientId: 'dev1', username: `${HUB}/dev1/?api-version=2021-04-12` });
  });
});
