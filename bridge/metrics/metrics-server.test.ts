import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { Counter, Registry } from 'prom-client';
import { silentLogger } from '../log.js';
import { checkMetricsOption } from '../cli/run-command.js';
import { UsageError } from '../cli/usage-error.js';
import { parseConfig } from '../config/parse-config.js';
import { MetricsListenError, parseMetricsListen, startMetricsServer, type MetricsServer } from './metrics-server.js';

const servers: MetricsServer[] = [];
const blockers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const b of blockers.splice(0)) await new Promise((resolve) => b.close(resolve));
});

function registryWithCounter(): Registry {
  const registry = new Registry();
  new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
  return registry;
}

async function start(listen = '127.0.0.1:0', registry = registryWithCounter()): Promise<MetricsServer> {
  const server = await startMetricsServer(listen, registry, silentLogger);
  servers.push(server);
  return server;
}

describe('startMetricsServer', () => {
  it('serves the registry at GET /metrics on the port it was given (0: any free one)', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(server.url).not.toContain(':0/');
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('test_things_total 3');
  });

  it('answers 404 off /metrics and 405 to anything but GET', async () => {
    const server = await start();
    const root = server.url.replace(/\/metrics$/, '');
    expect((await fetch(`${root}/`)).status).toBe(404);
    expect((await fetch(`${root}/metrics/extra`)).status).toBe(404);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}?name[]=x`)).status).toBe(200);
  });

  it('says which address is taken and how to pick another', async () => {
    const blocker = net.createServer();
    blockers.push(blocker);
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    await expect(start(`127.0.0.1:${port}`)).rejects.toThrow(`metrics: 127.0.0.1:${port} is in use (EADDRINUSE); pick another with --metrics`);
    await expect(start(String(port))).rejects.toThrow(`metrics: 127.0.0.1:${port} is in use (EADDRINUSE)`);
  });

  it('warns when bound beyond loopback, and only then', async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_: unknown, message: string) => warnings.push(message) } as never;
    servers.push(await startMetricsServer('0', registryWithCounter(), logger));
    expect(warnings).toEqual([]);
    servers.push(await startMetricsServer('0.0.0.0:0', registryWithCounter(), logger));
    expect(warnings).toEqual(['metrics bound to a non-loopback address: they are reachable from the network']);
  });

  it('closes even with a scraper holding a keep-alive connection', async () => {
    const server = await start();
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await once(socket, 'data');
    await servers.pop()?.close();
    socket.destroy();
  });
});

describe('parseMetricsListen', () => {
  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['[::]:65535', { host: '::', port: 65535 }],
  ])('reads %j', (listen, expected) => {
    expect(parseMetricsListen(listen)).toEqual(expected);
  });

  it.each([
    ['', 'expected [host:]port'],
    ['abc', 'the port must be a number from 0 to 65535'],
    ['65536', 'the port must be a number from 0 to 65535'],
    ['127.0.0.1:', 'the port must be a number'],
    ['127.0.0.1:-1', 'the port must be a number'],
    [':9464', 'name the host (0.0.0.0 for every interface) or give only the port'],
    ['::1:9464', 'an IPv6 address goes in brackets: [::1]:9464'],
    ['[nope]:9464', '"[nope]" is not an IPv6 address'],
    ['bad_host:9464', '"bad_host" is not a host name or address'],
    [' 9464', 'expected [host:]port'],
    ['http://127.0.0.1:9464', 'is not a host name or address'],
  ])('refuses %j, saying why', (listen, why) => {
    expect(() => parseMetricsListen(listen)).toThrow(MetricsListenError);
    expect(() => parseMetricsListen(listen)).toThrow(why);
    expect(() => parseMetricsListen(listen)).toThrow(`got ${JSON.stringify(listen)}`);
  });

  it('is a UsageError naming --metrics on the command line', () => {
    expect(() => checkMetricsOption('nine')).toThrow(UsageError);
    expect(() => checkMetricsOption('nine')).toThrow('--metrics: the port must be a number from 0 to 65535; expected [host:]port such as 9464, 127.0.0.1:9464 or [::1]:9464, got "nine"');
    expect(() => checkMetricsOption('[::1]:9464')).not.toThrow();
  });

  it('is checked in a bench file, where a bare number is a port', () => {
    const boards = [{ name: 'a', port: '/dev/ttyACM0' }];
    expect(parseConfig({ metrics: '127.0.0.1:9464', boards }, 'bench.yaml').metrics).toBe('127.0.0.1:9464');
    expect(parseConfig({ metrics: 9464, boards }, 'bench.yaml').metrics).toBe('9464');
    expect(parseConfig({ boards }, 'bench.yaml')).not.toHaveProperty('metrics');
    expect(() => parseConfig({ metrics: 'x:y', boards }, 'bench.yaml')).toThrow('bench.yaml: metrics: the port must be a number from 0 to 65535');
    expect(() => parseConfig({ metrics: { listen: 9464 }, boards }, 'bench.yaml')).toThrow('bench.yaml: metrics: expected [host:]port such as "127.0.0.1:9464", got an object');
  });
});
