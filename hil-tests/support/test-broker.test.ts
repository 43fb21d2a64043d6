import { once } from 'node:events';
import net from 'node:net';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findMosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { FALLBACK_NOTICE, startTestBroker, type TestBroker } from './test-broker.js';

const MISSING = '/nonexistent/mosquitto';
const stderrLines: string[] = [];

beforeAll(() => {
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    const lines = chunk.toString().split('\n').filter(Boolean);
    stderrLines.push(...lines);
    // The notice these tests provoke on purpose is kept out of the run's output, where it would
    // read as if mosquitto were missing; anything else still reaches stderr.
    if (lines.every((line) => line === FALLBACK_NOTICE)) return true;
    return write(chunk, ...rest);
  }) as typeof process.stderr.write);
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(options: Parameters<typeof startTestBroker>[0] = {}): Promise<TestBroker> {
  const started = await startTestBroker(options);
  cleanups.push(() => started.stop());
  return started;
}

async function connackCode(url: string, options: IClientOptions): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...options }, false);
    await c.endAsync(true);
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    return code;
  }
}

describe('startTestBroker', () => {
  it('is mosquitto when mosquitto is installed', async () => {
    const b = await broker();
    expect(b.kind).toBe(findMosquitto() ? 'mosquitto' : 'aedes');
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
  });

  it('falls back to Aedes with one loud line on stderr, however many it starts', async () => {
    const [a, b] = await Promise.all([broker({ binary: MISSING }), broker({ binary: MISSING })]);
    expect([a.kind, b.kind]).toEqual(['aedes', 'aedes']);
    expect(a.port).not.toBe(b.port);
    expect(stderrLines.filter((line) => line === FALLBACK_NOTICE)).toHaveLength(1);
  });

  it('gives the Aedes fallback the CONNACK codes mosquitto gives', async () => {
    const b = await broker({ binary: MISSING, users: { alice: 'secret' } });
    expect(await connackCode(b.url, { username: 'alice', password: 'secret' })).toBe(0);
    expect(await connackCode(b.url, { username: 'alice', password: 'wrong' })).toBe(5);
    expect(await connackCode(b.url, { username: 'mallory', password: 'secret' })).toBe(5);
    expect(await connackCode(b.url, {})).toBe(5);
    await b.waitForLog(/not authorised \(user 'mallory'\)/);
    const open = await broker({ binary: MISSING, users: { alice: 'secret' }, allowAnonymous: true });
    expect(await connackCode(open.url, {})).toBe(0);
    expect(await connackCode(open.url, { clientId: 'x'.repeat(100) })).toBe(0);
  });

  it('lists what the Aedes fallback cannot do', async () => {
    expect((await broker({ binary: MISSING })).limitations).toEqual([]);
    const b = await broker({ binary: MISSING, acl: 'user alice\ntopic read bench/#', extraConfig: ['max_connections 1'] });
    expect(b.limitations).toEqual([
      'acl: not enforced by the Aedes fallback; every client may publish and subscribe anywhere',
      'extraConfig: mosquitto settings ignored by the Aedes fallback (max_connections 1)',
    ]);
  });

  it('frees the Aedes fallback port on stop()', async () => {
    const b = await startTestBroker({ binary: MISSING });
    await b.stop();
    const server = net.createServer().listen(b.port, '127.0.0.1');
    await once(server, 'listening');
    server.close();
    await b.stop();
  });
});
