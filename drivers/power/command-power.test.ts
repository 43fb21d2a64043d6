import { afterEach, describe, expect, it } from 'vitest';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createCommandPower } from './command-power.js';
import { PowerError } from './power-driver.js';
import { createFakeExecutable } from './test-support/fake-executable.js';

const fakes: { remove(): Promise<void> }[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.remove();
});

// A relay tool: "relay <channel> on|off|status", its state kept in a file.
async function relayTool() {
  const f = await createFakeExecutable(
    'relay',
    `case "$2" in
  on|off) echo "$2" > "$STATE_DIR/state";;
  status) echo "channel $1: $(cat "$STATE_DIR/state" 2>/dev/null || echo unknown)";;
  fail) echo "relay board not found on /dev/hidraw0" >&2; exit 3;;
  hang) sleep 30;;
esac`,
  );
  fakes.push(f);
  return f;
}

describe('command power', () => {
  it('runs the argv given for each action, and reads the state back when a state command is given', async () => {
    const f = await relayTool();
    const p = createCommandPower({ on: [f.path, '3', 'on'], off: [f.path, '3', 'off'], state: [f.path, '3', 'status'] });
    expect(await p.state()).toBe('unknown');
    await p.off();
    expect(await p.state()).toBe('off');
    await p.on();
    expect(await p.state()).toBe('on');
    await p.cycle(10);
    expect(await f.calls()).toEqual([
      ['3', 'status'],
      ['3', 'off'],
      ['3', 'status'],
      ['3', 'on'],
      ['3', 'status'],
      ['3', 'off'],
      ['3', 'on'],
    ]);
  });

  it('never uses a shell: an argument with spaces, quotes and $(...) arrives as it is and runs nothing', async () => {
    const f = await relayTool();
    const marker = join(f.dir, 'pwned');
    const nasty = `x; touch ${marker}; $(touch ${marker}) "q" 'q'`;
    const p = createCommandPower({ on: [f.path, nasty, 'on'], off: [f.path, '1', 'off'] });
    await p.on();
    expect(await f.calls()).toEqual([[nasty, 'on']]);
    await expect(access(marker)).rejects.toThrow();
    expect(await p.state()).toBe('on'); // no state command: what was last set
  });

  it('reports a failing, missing or hanging command as a PowerError naming it and what it said', async () => {
    const f = await relayTool();
    const failing = createCommandPower({ on: [f.path, '1', 'fail'], off: [f.path, '1', 'off'] });
    await expect(failing.on()).rejects.toThrow(PowerError);
    await expect(failing.on()).rejects.toThrow(/power on: `.*relay 1 fail` exited with code 3: relay board not found on \/dev\/hidraw0/);
    const missing = createCommandPower({ on: ['/no/such/relay-tool', 'on'], off: ['x'] });
    await expect(missing.on()).rejects.toThrow(/cannot run `\/no\/such\/relay-tool on`: no such program/);
    const hanging = createCommandPower({ on: [f.path, '1', 'hang'], off: ['x'], timeoutMs: 200 });
    await expect(hanging.on()).rejects.toThrow(/did not finish within 200 ms \(killed\)/);
    expect(await hanging.state()).toBe('unknown');
  });

  it('refuses a shell string where an argv is needed', async () => {
    const p = createCommandPower({ on: 'relay 1 on' as unknown as string[], off: [] });
    await expect(p.on()).rejects.toThrow(/must be a non-empty array of strings \(argv\)/);
    await expect(p.off()).rejects.toThrow(/non-empty array/);
  });
});
