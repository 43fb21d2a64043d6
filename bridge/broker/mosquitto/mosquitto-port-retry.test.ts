import net from 'node:net';
import { once } from 'node:events';
import { afterEach, expect, it, vi } from 'vitest';
import { startMosquitto } from './local-mosquitto.js';

// The free port is only probed, not reserved: make the first probe return a port already taken,
// as if another process had grabbed it in between.
const probes = vi.hoisted(() => ({ taken: [] as number[] }));
vi.mock('./free-port.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./free-port.js')>();
  return { findFreePort: async (host?: string) => probes.taken.shift() ?? real.findFreePort(host) };
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('moves to another port when the probed one is taken before mosquitto binds it', async () => {
  const squatter = net.createServer().listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  const taken = (squatter.address() as net.AddressInfo).port;
  probes.taken.push(taken);

  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  expect(probes.taken).toEqual([]);
  expect(broker.port).not.toBe(taken);
  expect(broker.logs()).toContain(`Opening ipv4 listen socket on port ${broker.port}.`);
});
