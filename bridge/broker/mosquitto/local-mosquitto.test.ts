import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from './find-executable.js';
import { startMosquitto, type Mosquitto } from './local-mosquitto.js';
import { mosquittoPasswordHash, writePasswordFile } from './mosquitto-passwords.js';

// CI installs mosquitto (.ci/run); this suite is about driving the real one.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mosquitto(options: Parameters<typeof startMosquitto>[0] = {}): Promise<Mosquitto> {
  const broker = await startMosquitto(options);
  cleanups.push(() => broker.stop());
  return broker;
}

async function client(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...options }, false);
  cleanups.push(() => void c.end(true));
  return c;
}

/** The CONNACK return code a 3.1.1 client gets, 0 when accepted. */
async function connackCode(url: string, options: IClientOptions): Promise<number> {
  try {
    const c = await client(url, options);
    c.end(true);
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    return code;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer().listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

describe('startMosquitto', () => {
  it('runs two private brokers at once, each on its own free loopback port', async () => {
    const [a, b] = await Promise.all([mosquitto(), mosquitto()]);
    expect(a.port).not.toBe(b.port);
    for (const broker of [a, b]) {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      expect([1883, 8883].includes(broker.port)).toBe(false);
      expect(broker.logs()).toContain(`Opening ipv4 listen socket on port ${broker.port}.`);
      expect(broker.limitations).toEqual([]);
    }
    // A message published on one does not reach a subscriber of the other.
    const subA = await client(a.url);
    const subB = await client(b.url);
    await subA.subscribeAsync('bench/#', { qos: 1 });
    await subB.subscribeAsync('bench/#', { qos: 1 });
    const atB = new Promise<string>((resolve) => subB.once('message', (_t, payload) => resolve(payload.toString())));
    const atA = new Promise<string>((resolve) => subA.once('message', (_t, payload) => resolve(payload.toString())));
    await (await client(b.url)).publishAsync('bench/x', 'for b', { qos: 1 });
    await (await client(a.url)).publishAsync('bench/x', 'for a', { qos: 1 });
    expect(await atA).toBe('for a');
    expect(await atB).toBe('for b');
  });

  it('accepts a listed user and refuses the rest with CONNACK 5 (not authorised)', async () => {
    const broker = await mosquitto({ users: { alice: 'secret', bob: 'hunter2' } });
    // Mosquitto 2.0 answers a 3.1.1 client with 5 "not authorised" in all three cases, never
    // 4 "bad user name or password".
    expect(await connackCode(broker.url, { username: 'alice', password: 'secret' })).toBe(0);
    expect(await connackCode(broker.url, { username: 'bob', password: 'hunter2' })).toBe(0);
    expect(await connackCode(broker.url, { username: 'alice', password: 'wrong' })).toBe(5);
    expect(await connackCode(broker.url, { username: 'mallory', password: 'secret' })).toBe(5);
    expect(await connackCode(broker.url, {})).toBe(5);
    await broker.waitForLog(/disconnected, not authorised/);
  });

  it('lets anonymous clients in next to users when asked to', async () => {
    const broker = await mosquitto({ users: { alice: 'secret' }, allowAnonymous: true });
    expect(await connackCode(broker.url, {})).toBe(0);
    expect(await connackCode(broker.url, { username: 'alice', password: 'wrong' })).toBe(5);
  });

  it('applies an ACL: a client gets nothing from topics outside it', async () => {
    const broker = await mosquitto({
      users: { alice: 'secret', admin: 'root' },
      acl: 'user alice\ntopic readwrite bench/#\n\nuser admin\ntopic readwrite #',
    });
    const alice = await client(broker.url, { username: 'alice', password: 'secret' });
    // Mosquitto 2.0 grants the SUBSCRIBE and filters at delivery.
    await alice.subscribeAsync({ 'bench/a': { qos: 1 }, 'secret/a': { qos: 1 } });
    const first = new Promise<string>((resolve) => alice.once('message', (topic) => resolve(topic)));
    const admin = await client(broker.url, { username: 'admin', password: 'root' });
    await admin.publishAsync('secret/a', 'hidden', { qos: 1 });
    await admin.publishAsync('bench/a', 'shown', { qos: 1 });
    // In-order delivery from one publisher: had secret/a passed, it would have come first.
    expect(await first).toBe('bench/a');
  });

  it('adds extraConfig lines (max_connections 1 turns a second client away)', async () => {
    const broker = await mosquitto({ extraConfig: ['max_connections 1'] });
    await client(broker.url);
    // Closed before CONNACK: a FIN or, when our CONNECT was still unread, a reset.
    await expect(client(broker.url)).rejects.toThrow(/Couldn't connect|ECONNRESET|EPIPE/);
    await broker.waitForLog(/denied: max_connections exceeded/);
  });

  it('fails with mosquitto’s own words on a bad config', async () => {
    await expect(startMosquitto({ extraConfig: ['no_such_option 1'] })).rejects.toThrow(/mosquitto did not start: it exited[^]*no_such_option/);
    await expect(startMosquitto({ extraConfig: ['a\nb'] })).rejects.toThrow(TypeError);
  });

  it('stop() ends mosquitto, frees its port and removes its temp dir', async () => {
    const broker = await startMosquitto();
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const lost = new Promise<void>((resolve) => c.once('close', () => resolve()));
    expect(await portIsFree(broker.port)).toBe(false);
    await broker.stop();
    await lost;
    expect(await portIsFree(broker.port)).toBe(true);
    await expect(access(broker.dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await broker.stop();
    c.end(true);
  });

  it('says how to install mosquitto when there is none', async () => {
    await expect(startMosquitto({ binary: '/nonexistent/mosquitto' })).rejects.toThrow(
      'mosquitto not found at /nonexistent/mosquitto: install it with "apt-get install -y mosquitto"',
    );
  });
});

describe('mosquitto password files', () => {
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'dl7450-passwd-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };

  it('hashes exactly as mosquitto_passwd does ($7$, PBKDF2-SHA512, 101 rounds)', async () => {
    const tool = findExecutable('mosquitto_passwd');
    expect(tool, 'mosquitto_passwd (package mosquitto) is needed to check the hash against').toBeDefined();
    const file = join(await tempDir(), 'passwd');
    await promisify(execFile)(tool as string, ['-b', '-c', file, 'alice', 'secret']);
    const [, hash] = (await readFile(file, 'utf8')).trim().split(':');
    const [, , , salt] = hash.split('$');
    expect(Buffer.from(salt, 'base64')).toHaveLength(12);
    expect(mosquittoPasswordHash('secret', Buffer.from(salt, 'base64'))).toBe(hash);
    expect(mosquittoPasswordHash('other', Buffer.from(salt, 'base64'))).not.toBe(hash);
  });

  it('writes a file mosquitto accepts without mosquitto_passwd', async () => {
    const file = join(await tempDir(), 'passwd');
    expect(await writePasswordFile(file, { alice: 'p@ss:wörd' }, { hasher: 'builtin' })).toBe('builtin');
    const broker = await mosquitto({ allowAnonymous: false, extraConfig: [`password_file ${file}`] });
    expect(await connackCode(broker.url, { username: 'alice', password: 'p@ss:wörd' })).toBe(0);
    expect(await connackCode(broker.url, { username: 'alice', password: 'p@ss:word' })).toBe(5);
  });

  it('refuses user names a password file cannot hold', async () => {
    const file = join(await tempDir(), 'passwd');
    await expect(writePasswordFile(file, { 'a:b': 'x' })).rejects.toThrow('user name "a:b" cannot go in a password file');
  });
});
