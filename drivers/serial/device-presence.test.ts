import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSocatPair, type SocatPair } from '../test-support/socat-pair.js';
import { watchDevicePresence } from './device-presence.js';

let dir: string | undefined;
let pairs: SocatPair[] = [];
afterEach(async () => {
  for (const p of pairs) await p.stop();
  pairs = [];
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('device presence', () => {
  it('notices a by-id style symlink to a live pty vanish, though nothing was closed', async () => {
    const pair = await startSocatPair();
    pairs.push(pair);
    dir = await mkdtemp(join(tmpdir(), 'presence-'));
    const byId = join(dir, 'usb-DisplayLink_DL-7450-if00');
    await symlink(pair.a, byId);
    const gone = firstValueFrom(watchDevicePresence(byId, { intervalMs: 20 }));
    await unlink(byId);
    expect(await gone).toBe(`${byId} is gone`);
  });

  it('notices the name now leading to another device (re-enumerated), and stays quiet while it does not change', async () => {
    const [a, b] = [await startSocatPair(), await startSocatPair()];
    pairs.push(a, b);
    dir = await mkdtemp(join(tmpdir(), 'presence-'));
    const byId = join(dir, 'board');
    await symlink(a.a, byId);
    const events: string[] = [];
    const changed = new Promise<void>((resolve) => watchDevicePresence(byId, { intervalMs: 20 }).subscribe({ next: (e) => events.push(e), complete: resolve }));
    // Re-pointed atomically, as udev does: the name never disappears.
    await symlink(b.a, join(dir, 'board.new'));
    await rename(join(dir, 'board.new'), byId);
    await changed;
    expect(events).toEqual([`${byId} now leads to another device`]);
  });

  it('reports a path that is missing from the start as gone', async () => {
    dir = await mkdtemp(join(tmpdir(), 'presence-'));
    await writeFile(join(dir, 'placeholder'), '');
    expect(await firstValueFrom(watchDevicePresence(join(dir, 'ttyACM9'), { intervalMs: 10 }))).toMatch(/ttyACM9 is gone$/);
  });
});
