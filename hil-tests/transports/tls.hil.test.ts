import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { filter, firstValueFrom } from 'rxjs';
import { Reason } from '../../streams/link/protocol.js';
import type { BoardEvent } from '../../drivers/boards/board-events.js';
import { connected, startBridgeBench, type BridgeBench } from '../support/bridge-bench.js';
import { startMosquitto, type Mosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

// Virtual board -> pty -> the bridge daemon -> TLS -> a real Mosquitto with TLS listeners, with
// a PKI made by openssl for this run. The board asks for its production URL; the bench's
// ssl:// or mqtts:// broker replaces it, with the board's tls: settings.

let pki: TestPki;
let broker: Mosquitto;
let bench: BridgeBench | undefined;
const clients: MqttClient[] = [];
const KEY_ENV = 'DL7450_TEST_CLIENT_KEY';

beforeAll(async () => {
  pki = await createTestPki();
  const served = (id: { certFile: string; keyFile: string }) => [`cafile ${pki.ca.certFile}`, `certfile ${id.certFile}`, `keyfile ${id.keyFile}`];
  broker = await startMosquitto({
    listeners: {
      tls: served(pki.server),
      mtls: [...served(pki.server), 'require_certificate true', 'use_identity_as_username true'],
      expired: served(pki.expiredServer),
      otherhost: served(pki.otherhostServer),
    },
  });
  process.env[KEY_ENV] = pki.client.keyPem;
});

afterAll(async () => {
  delete process.env[KEY_ENV];
  await broker?.stop();
  await pki?.stop();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  const logs = JSON.stringify(bench?.logs ?? []);
  await bench?.stop();
  bench = undefined;
  // (h) whatever a case did, no key material reached the bridge's log.
  for (const key of [pki.client.keyPem, pki.otherCa.keyPem]) expect(logs).not.toContain(keyBody(key));
  expect(logs).not.toContain('PRIVATE KEY');
});

/** The base64 of a PEM key, which a log would show if it showed any of it. */
const keyBody = (pem: string): string => pem.split('\n')[1];

async function benchFor(url: string, tls: Record<string, unknown>): Promise<BridgeBench> {
  bench = await startBridgeBench({ ...broker, url }, 'framed', 1, { tls, connectTimeoutMs: 10_000 });
  return bench;
}

/** A client straight at the broker's plain listener: the backend. */
async function backend(): Promise<MqttClient> {
  const c = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  c.on('error', () => undefined);
  clients.push(c);
  await connected(c);
  return c;
}

/** The first message on `topic` at `client`. */
const message = (client: MqttClient, topic: string) =>
  new Promise<{ payload: string; qos: number }>((resolve) => client.on('message', (t, p, packet) => t === topic && resolve({ payload: p.toString(), qos: packet.qos })));

/** QoS 1 from the board to the backend and back, through the bridge's TLS connection. */
async function roundTrip(b: BridgeBench, name: string): Promise<void> {
  const server = await backend();
  await server.subscribeAsync(`tls/${name}/up`, { qos: 1 });
  const dev = b.boardClient(0, { clientId: `tls-${name}` });
  await connected(dev);
  await dev.subscribeAsync(`tls/${name}/down`, { qos: 1 });
  const up = message(server, `tls/${name}/up`);
  const down = message(dev, `tls/${name}/down`);
  await dev.publishAsync(`tls/${name}/up`, 'from board', { qos: 1 });
  await server.publishAsync(`tls/${name}/down`, 'to board', { qos: 1 });
  expect(await up).toEqual({ payload: 'from board', qos: 1 });
  expect(await down).toEqual({ payload: 'to board', qos: 1 });
}

type Ended = Extract<BoardEvent, { type: 'connection-failed' | 'connection-closed' }>;

/** The board's connection attempt, and how the bridge ended it (OPEN_FAILED or CLOSED). */
async function refused(b: BridgeBench): Promise<Ended> {
  const ended = firstValueFrom(b.boards[0].board.events$.pipe(filter((e): e is Ended => e.type === 'connection-failed' || e.type === 'connection-closed')));
  clients.push(b.boardClient(0, { clientId: 'refused' }));
  return ended;
}

const failureLog = (b: BridgeBench) => b.logs.find((l) => l.msg === 'broker connection failed');

describe('ssl:// and mqtts:// through the bridge to a real Mosquitto', () => {
  it('(a) verifies the broker against trustStore and carries QoS 1 both ways (ssl://localhost, PEM file)', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.tls}`, { trustStore: { file: pki.ca.certFile } });
    await roundTrip(b, 'a');
    expect(b.logs.some((l) => (l.level as number) >= 40)).toBe(false);
  });

  it('(a) checks an IP address against the certificate\'s IP SAN (mqtts://127.0.0.1, DER trust store)', async () => {
    const b = await benchFor(`mqtts://127.0.0.1:${broker.listeners.tls}`, { trustStore: { file: pki.ca.certDerFile } });
    await roundTrip(b, 'a-ip');
  });

  it('(b) presents the board\'s client certificate (keyStore file, privateKey from env) to a broker that requires one', async () => {
    const b = await benchFor(`mqtts://localhost:${broker.listeners.mtls}`, {
      trustStore: { file: pki.ca.certFile },
      keyStore: { file: pki.client.certFile },
      privateKey: { env: KEY_ENV },
    });
    await roundTrip(b, 'b');
    await broker.waitForLog(/New client connected .* as tls-b .*u'board-1'/, 10_000); // the certificate's CN as user name
  });

  it('(b) takes the key from the keyStore when it holds one, given inline', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.mtls}`, {
      trustStore: pki.ca.certPem,
      keyStore: `${pki.client.certPem}${pki.client.keyPem}`,
    });
    await roundTrip(b, 'b-inline');
  });

  it('(c) refuses a broker whose certificate no trusted CA signed: OPEN_FAILED with the reason, and the log says it', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.tls}`, { trustStore: { file: pki.otherCa.certFile } });
    const ended = await refused(b);
    expect(ended).toMatchObject({ type: 'connection-failed', reason: Reason.TLS_FAILED, text: expect.stringContaining("the broker's certificate (issued by CN=dl7450 test CA) is not signed by a trusted CA (trust_store)") });
    expect(failureLog(b)).toMatchObject({ level: 40, reason: 'tls_failed', code: Reason.TLS_FAILED, detail: expect.stringContaining('not signed by a trusted CA') });
  });

  it('(d) refuses an expired broker certificate, saying until when it was valid', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.expired}`, { trustStore: { file: pki.ca.certFile } });
    const ended = await refused(b);
    expect(ended).toMatchObject({ type: 'connection-failed', reason: Reason.TLS_FAILED, text: expect.stringContaining("the broker's certificate has expired (not after Jan  2 00:00:00 2020 GMT)") });
    expect(failureLog(b)).toMatchObject({ detail: expect.stringContaining('has expired') });
  });

  it('(e) refuses a certificate for another host name', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.otherhost}`, { trustStore: { file: pki.ca.certFile } });
    const ended = await refused(b);
    expect(ended).toMatchObject({ type: 'connection-failed', reason: Reason.TLS_FAILED, text: expect.stringContaining('host name mismatch: the certificate is for otherhost, not localhost') });
    expect(failureLog(b)).toMatchObject({ detail: expect.stringContaining('host name mismatch') });
  });

  it('(e) checks the servername override, not the URL host, when one is set', async () => {
    const b = await benchFor(`ssl://127.0.0.1:${broker.listeners.tls}`, { trustStore: { file: pki.ca.certFile }, servername: 'otherhost' });
    const ended = await refused(b);
    expect(ended.text).toContain('host name mismatch: the certificate is for localhost, 127.0.0.1, not otherhost');
  });

  it('(f) a broker requiring a client certificate, given none: the board is told it was refused', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.mtls}`, { trustStore: { file: pki.ca.certFile } });
    const ended = await refused(b);
    // TLS 1.3 refuses after the client finished its handshake: OPENED, then CLOSED.
    expect(ended).toMatchObject({ reason: Reason.TLS_FAILED, text: expect.stringMatching(/refused the client certificate \(key_store\/private_key\)(: it requires one, and none was given)?/) });
    expect(failureLog(b)).toMatchObject({ detail: expect.stringContaining('refused the client certificate') });
  });

  it('(f) a client certificate from a CA the broker does not trust: refused, saying so', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.mtls}`, {
      trustStore: { file: pki.ca.certFile },
      keyStore: { file: pki.otherCa.certFile },
      privateKey: { file: pki.otherCa.keyDerFile },
    });
    const ended = await refused(b);
    // Its alert, or, when the bridge's CONNECT crossed it, the reset that overtook it.
    expect(ended).toMatchObject({ reason: Reason.TLS_FAILED, text: expect.stringMatching(/refused the client certificate \(key_store\/private_key\)(: it does not trust the CA that signed it)?/) });
  });

  it.each(['rst', 'fin'] as const)('drops a TLS broker connection as the cut profile says (%s), and the broker publishes the will', async (profile) => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.tls}`, { trustStore: { file: pki.ca.certFile } });
    const server = await backend();
    await server.subscribeAsync('tls/will/#', { qos: 1 });
    const will = message(server, `tls/will/${profile}`);
    const dev = b.boardClient(0, { clientId: `will-${profile}`, will: { topic: `tls/will/${profile}`, payload: Buffer.from('offline'), qos: 1, retain: false } });
    await connected(dev);
    b.daemon.cut('board0', profile);
    expect(await will).toEqual({ payload: 'offline', qos: 1 });
  });

  it('(g) verify: false connects to a broker no trusted CA signed, and a WARN line names the board', async () => {
    const b = await benchFor(`ssl://localhost:${broker.listeners.tls}`, { trustStore: { file: pki.otherCa.certFile }, verify: false });
    const warning = b.logs.find((l) => (l.level as number) === 40 && String(l.msg).includes('TLS verification is OFF'));
    expect(warning).toMatchObject({ board: 'board0', msg: expect.stringContaining('INSECURE: board board0') });
    await roundTrip(b, 'g');
  });
});
