import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './test-support/run-cli.js';


const run = runCli;

let dir: string;
let app: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
  app = join(dir, 'app.py');
  await writeFile(app, 'print("never booted")\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dl7450-bridge sim: bad arguments', () => {
  it('refuses each with exit code 2 and a message naming what is wrong, before making any pty', async () => {
    const tty = join(dir, 'tty');
    await writeFile(join(dir, 'notes.txt'), 'not an app');
    await writeFile(join(dir, 'no-default.mjs'), 'export const x = 1;\n');
    await writeFile(join(dir, 'broken.mjs'), 'export default function (\n');
    await mkdir(join(dir, 'folder.py'));
    await writeFile(join(dir, 'taken'), 'someone else\'s file');
    await symlink('/dev/null', join(dir, 'live'));
    await symlink(join(dir, 'notes.txt'), join(dir, 'elsewhere'));
    const cases: [string[], RegExp][] = [
      [['--tty', tty], /give --app <file>/],
      [['--app', app], /give --tty <path>/],
      [['--app', join(dir, 'missing.py'), '--tty', tty], /--app .*missing\.py: no such file/],
      [['--app', join(dir, 'notes.txt'), '--tty', tty], /--app .*notes\.txt: unsupported file type "\.txt" \(expected \.py, \.ts, \.js, \.mjs\)/],
      [['--app', join(dir, 'folder.py'), '--tty', tty], /--app .*folder\.py: not a regular file/],
      [['--app', join(dir, 'no-default.mjs'), '--tty', tty], /--app .*no-default\.mjs: the default export must be/],
      [['--app', join(dir, 'broken.mjs'), '--tty', tty], /--app .*broken\.mjs: cannot load it: /],
      [['--app', app, '--tty', join(dir, 'taken')], /--tty .*taken: it exists and is not a symlink left by a previous run/],
      [['--app', app, '--tty', join(dir, 'live')], /--tty .*live: it points at \/dev\/null, a device, not a pty left by a previous run/],
      [['--app', app, '--tty', join(dir, 'elsewhere')], /--tty .*elsewhere: it is a symlink to .*notes\.txt, not one left by a previous run/],
      [['--app', app, '--tty', join(dir, 'no-such-folder', 'tty')], /--tty .*: the folder .*no-such-folder does not exist/],
      [['--app', app, '--tty', tty, '--line', 'baud=fast'], /--line: line model spec "baud=fast": baud must be a number/],
      [['--app', app, '--tty', tty, '--line', 'colour=blue'], /--line: .*unknown key "colour"/],
      [['--app', app, '--tty', tty, '--boot-delay', 'soon'], /--boot-delay must be a number between 0 and 600000, got "soon"/],
      [['--app', app, '--tty', tty, '--log-level', 'loud'], /--log-level must be one of fatal, error, warn, info, debug, trace, got "loud"/],
      [['--app', app, '--tty', tty, '--id', 'has space'], /--id must be 1 to 64 printable ASCII characters/],
      [['--app', app, '--tty', tty, '--frobnicate'], /frobnicate/],
    ];
    const results = await Promise.all(cases.map(([args]) => run('sim', ...args)));
    results.forEach((r, i) => {
      const [args, message] = cases[i];
      expect({ args, status: r.status, stderr: r.stderr }).toMatchObject({ status: 2, stderr: expect.stringMatching(message) });
      expect(r.stdout).toBe('');
    });
    expect(await readFile(join(dir, 'taken'), 'utf8')).toBe('someone else\'s file');
  });

  it('prints its help, listed among the commands', async () => {
    const help = await run('sim', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--app FILE/);
    expect(help.stdout).toMatch(/kill -USR1 <pid>/);
    expect((await run('--help')).stdout).toMatch(/^ {2}sim {8}/m);
  });
});
