import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignalPower } from './signal-power.js';

// A process that takes the sim's power signals and prints what it got, one line each.
function signalTaker() {
  const code = "process.on('SIGUSR1',()=>console.log('off'));process.on('SIGUSR2',()=>console.log('on'));console.log('ready');setInterval(()=>{},1000)";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    waiters.splice(0).forEach((w) => w());
  });
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (lines.length >= n ? resolve() : waiters.push(check));
      check();
    });
  return { child, lines, until };
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('signal power (a sim in another process)', () => {
  it('sends SIGUSR1 for off and SIGUSR2 for on, to the pid given or read from a pid file', async () => {
    const t = signalTaker();
    cleanup.push(() => void t.child.kill());
    await t.until(1);
    const dir = await mkdtemp(join(tmpdir(), 'signal-power-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'sim.pid'), `${t.child.pid}\n`);
    const byPid = createSignalPower({ pid: t.child.pid });
    const byFile = createSignalPower({ pidFile: join(dir, 'sim.pid') });
    await byPid.off();
    await t.until(2);
    await byFile.on();
    await t.until(3);
    expect(t.lines).toEqual(['ready', 'off', 'on']);
    expect(await byPid.state()).toBe('off');
    expect(await byFile.state()).toBe('on');
  });

  it('does not claim a state for a sim that died or one it never switched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signal-power-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first = signalTaker();
    cleanup.push(() => void first.child.kill());
    await first.until(1);
    const file = join(dir, 'sim.pid');
    await writeFile(file, `${first.child.pid}\n`);
    const power = createSignalPower({ pidFile: file });
    await power.off();
    await first.until(2);
    expect(await power.state()).toBe('off');
    // The sim is killed: "already off" or "already on" would both be wrong now.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(await power.state()).toBe('unknown');
    // A new sim in its place: it boots on its own, but may have been switched by hand since.
    const second = signalTaker();
    cleanup.push(() => void second.child.kill());
    await second.until(1);
    await writeFile(file, `${second.child.pid}\n`);
    expect(await power.state()).toBe('unknown');
  });

  it('says when the sim is not running, or the pid file is missing or wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signal-power-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'bad.pid'), 'not a pid');
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.once('exit', resolve));
    await expect(createSignalPower({ pid: gone.pid }).off()).rejects.toThrow(/no such process \(is the sim running\?\)/);
    await expect(createSignalPower({ pidFile: join(dir, 'none.pid') }).off()).rejects.toThrow(/cannot read the pid file: no such file/);
    await expect(createSignalPower({ pidFile: join(dir, 'bad.pid') }).off()).rejects.toThrow(/holds "not a pid", not a process id/);
    expect(() => createSignalPower({})).toThrow(/either pid or pidFile/);
  });
});
