import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { filter, firstValueFrom } from 'rxjs';
import { Reason } from '../../streams/link/protocol.js';
import { startMosquitto, type Mosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';
import { startDl7450Bench, type Dl7450Bench } from '../support/dl7450-bench.js';
import { recordClient } from '../support/sdk-recorder.js';
import { connected } from '../support/bridge-bench.js';
import type { Dl7450MqttClient, Dl7450MqttModule } from '../../drivers/boards/dl7450/mqtt-module-types.js';
import type { BoardEvent } from '../../drivers/boards/board-events.js';

// The app's own trust_store, key_store and private_key (SDK connect() options), from a virtual
// DL-7450 over a socat pty, carried in TLS_ITEMs ahead of its OPEN to the bridge daemon, which
// uses them for its TLS connection to a real Mosquitto only where the bench says tls.fromBoard.

let pki: TestPki;
let broker: Mosquitto;
let bench: Dl7450Bench | undefined;

beforeAll(async () => {
  pki = await createTestPki();
  const served = [`cafile ${pki.ca.certFile}`, `certfile ${pki.server.certFile}`, `keyfile ${pki.server.keyFile}`];
  broker = await startMosquitto({ listeners: { tls: served, mtls: [...served, 'require_certificate true', 'use_identity_as_username true'] } });
});
afterAll(async () => {
  await broker?.stop();
  await pki?.stop();
});
afterEach(async () => {
  const logs = JSON.stringify(bench?.logs ?? []);
  await bench?.stop();
  bench = undefined;
  // Whatever a case did, no key or certificate content reached the bridge's log.
  for (const pem of [pki.client.keyPem, pki.client.certPem, pki.ca.certPem]) expect(logs).not.toContain(pem.split('\n')[1]);
});

const APP_URL = 'ssl://iot.example.com:8883'; // what the app ships with; the bench's broker replaces it

async function start(listener: 'tls' | 'mtls', tls: Record<string, unknown>): Promise<Dl7450Bench> {
  const url = `mqtts://localhost:${broker.listeners[listener]}`;
  bench = await startDl7450Bench({ ...broker, url }, { bridge: { tls, connectTimeoutMs: 10_000 } });
  return bench;
}

const mod = (b: Dl7450Bench) => b.board.mqtt as Dl7450MqttModule;

/** connect() with these options; the first on_connect rc, and the client. */
async function connectApp(b: Dl7450Bench, clientId: string, options: Record<string, unknown>) {
  const client = new (mod(b).MqttClient)(APP_URL, clientId);
  const rec = recordClient(client);
  client.connect(rec.onConnect, options as never);
  return { client, rec, rc: (await rec.next('connect')).rc };
}

type Failed = Extract<BoardEvent, { type: 'connection-failed' }>;
const nextFailure = (b: Dl7450Bench) =>
  firstValueFrom(b.board.events$.pipe(filter((e) => e.type === 'board' && e.event.type === 'connection-failed'))).then((e) => (e as { event: Failed }).event);

/** QoS 1 from the app to a subscriber at the broker's plain listener. */
async function publishReaches(client: Dl7450MqttClient, topic: string) {
  const sub = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  sub.on('error', () => undefined);
  try {
    await connected(sub);
    await sub.subscribeAsync(topic, { qos: 1 });
    const got = new Promise<string>((resolve) => sub.on('message', (t, p) => t === topic && resolve(p.toString())));
    client.publish(topic, 'over the board\'s own TLS settings', 1);
    expect(await got).toBe("over the board's own TLS settings");
  } finally {
    sub.end(true);
  }
}

describe("TLS settings from the board's OPEN (tls.fromBoard)", () => {
  it("uses the app's trust_store, key_store and private_key for mutual TLS, the trust store in several pieces across the link", async () => {
    const b = await start('mtls', { fromBoard: true });
    // Unrelated CAs before the real one make the trust store larger than the bridge's MTU (8 KiB).
    const trustStore = Buffer.from(pki.otherCa.certPem.repeat(Math.ceil(9000 / pki.otherCa.certPem.length)) + pki.ca.certPem);
    expect(trustStore.length).toBeGreaterThan(8192);
    const { client, rc } = await connectApp(b, 'from-board-mtls', { keep_alive: 30, trust_store: trustStore, key_store: pki.client.certPem, private_key: pki.client.keyPem });
    expect(rc).toBe(0);
    await broker.waitForLog(/New client connected .* as from-board-mtls .*u'board-1'/, 10_000); // the app's certificate, its CN as user name
    await publishReaches(client, 'fromboard/mtls');
    const used = b.logs.find((l) => l.msg === "the board's TLS settings replace the bench's for this connection");
    expect(used?.settings).toEqual(['trust_store', 'key_store', 'private_key']);
    client.disconnect();
  });

  it("replaces the bench's trustStore with the app's, setting by setting (DER from the app)", async () => {
    const b = await start('tls', { fromBoard: true, trustStore: { file: pki.otherCa.certFile } });
    const { client, rc } = await connectApp(b, 'from-board-der', { trust_store: await readFile(pki.ca.certDerFile) });
    expect(rc).toBe(0);
    await publishReaches(client, 'fromboard/der');
    client.disconnect();
  });

  it("leaves the app's settings out unless the bench allows them, and says so", async () => {
    const b = await start('tls', { trustStore: { file: pki.otherCa.certFile } });
    const failed = nextFailure(b);
    const { client, rc } = await connectApp(b, 'not-allowed', { trust_store: pki.ca.certPem });
    expect(rc).toBeLessThan(0); // the bench's trust store (the wrong CA) decided
    expect(await failed).toMatchObject({ reason: Reason.TLS_FAILED, text: expect.stringMatching(/not signed by a trusted CA/) });
    const warned = b.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith("the board's OPEN carries TLS settings; not used"));
    expect(warned).toMatchObject({ settings: ['trust_store'], board: 'dut' });
    client.disconnect();
  });

  it('refuses an OPEN whose settings cannot be used, with tls_failed naming the setting as the SDK does', async () => {
    const b = await start('mtls', { fromBoard: true, trustStore: { file: pki.ca.certFile } });
    const failed = nextFailure(b);
    const { client, rc } = await connectApp(b, 'bad-key', { key_store: pki.client.certPem, private_key: pki.server.keyPem });
    expect(rc).toBeLessThan(0);
    const f = await failed;
    expect(f.reason).toBe(Reason.TLS_FAILED);
    expect(f.text).toMatch(/^TLS settings from the board: the private key \(from private_key\) is not the key of the key_store's first certificate/);
    expect(f.text).not.toContain(pki.server.keyPem.split('\n')[1]);
    client.disconnect();
  });
});
