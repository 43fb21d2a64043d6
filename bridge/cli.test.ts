import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('dl7450-bridge CLI', () => {
  it('runs the self-test and exits 0 with a PASS summary', () => {
    const r = run('selftest', '--packets', '150', '--seed', '3');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/150\/150 packets delivered exactly once, in order/);
    expect(r.stdout).toMatch(/^PASS$/m);
    expect(r.status).toBe(0);
  });

  it('prints the self-test result as JSON on request', () => {
    const r = run('selftest', '--packets', '50', '--json');
    const result = JSON.parse(r.stdout) as { passed: boolean; packetsDelivered: number };
    expect(result).toMatchObject({ passed: true, packetsDelivered: 50 });
  });

  it('rejects bad options with a message naming them and exit code 2', () => {
    const bad = run('selftest', '--garbage', '1.5');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--garbage must be a number between 0 and 1, got "1.5"/);
    const unknown = run('selftest', '--frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    const command = run('teleport');
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/unknown command "teleport"/);
  });

  it('lists serial ports without failing on a machine that has none', () => {
    const r = run('ports');
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it('prints help and the version', () => {
    expect(run('--help').stdout).toMatch(/selftest/);
    expect(run('selftest', '--help').stdout).toMatch(/--packets N/);
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
