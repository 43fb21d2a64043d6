import { afterEach, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ownControlPath } from './control-path.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

it('removes the sockets of bridges whose process is gone, and keeps those of live ones', async () => {
  dir = await mkdtemp(join(tmpdir(), 'control-path-'));
  const env = { XDG_RUNTIME_DIR: dir };
  const folder = join(dir, 'dl7450-bridge');
  // A pid that was just in use and is gone now: a child that exited.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  await ownControlPath(env); // makes the folder
  await writeFile(join(folder, `${gone}.sock`), '');
  await writeFile(join(folder, `${process.ppid}.sock`), ''); // a live process (our parent)
  await writeFile(join(folder, 'notes.txt'), '');
  expect(await ownControlPath(env)).toBe(join(folder, `${process.pid}.sock`));
  expect((await readdir(folder)).sort()).toEqual([`${process.ppid}.sock`, 'notes.txt'].sort());
});
