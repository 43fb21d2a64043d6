import { afterEach, describe, expect, it } from 'vitest';
import { createUhubctlPower } from './uhubctl-power.js';
import { createFakeExecutable } from './test-support/fake-executable.js';

const fakes: { remove(): Promise<void> }[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.remove();
});

// uhubctl as it prints on a VIA hub with per-port power switching: the status before and,
// after an action, the new one. `ignoreOff` plays a hub that claims ppps but never cuts.
async function fakeUhubctl({ ignoreOff = false } = {}) {
  const f = await createFakeExecutable(
    'uhubctl',
    `loc=""; port=""; action=""
while [ $# -gt 0 ]; do
  case "$1" in -l) loc="$2"; shift;; -p) port="$2"; shift;; -a) action="$2"; shift;; esac; shift
done
state=$(cat "$STATE_DIR/port$port" 2>/dev/null || echo on)
show() {
  echo "$1 status for hub $loc [2109:2817 VIA Labs, Inc. USB2.0 Hub, USB 2.10, 4 ports, ppps]"
  if [ "$state" = on ]; then echo "  Port $port: 0503 power highspeed enable connect [cafe:7450 DisplayLink DL-7450 Debug DL7450-0001]"; else echo "  Port $port: 0000 off"; fi
}
show Current
[ -z "$action" ] && exit 0
echo "Sent power $action request"
if [ "$action" = off ] && [ ${ignoreOff ? 1 : 0} = 1 ]; then :; else state="$action"; fi
echo "$state" > "$STATE_DIR/port$port"
show New`,
  );
  fakes.push(f);
  return f;
}

describe('uhubctl power', () => {
  it('switches the hub port with -l <location> -p <port> -a on|off and reads the port status back', async () => {
    const f = await fakeUhubctl();
    const p = createUhubctlPower({ location: '1-1.4', port: 2, binary: f.path });
    expect(p.description).toBe('uhubctl hub 1-1.4 port 2');
    expect(await p.state()).toBe('on');
    await p.off();
    expect(await p.state()).toBe('off');
    await p.cycle(5);
    expect(await p.state()).toBe('on');
    expect(await f.calls()).toEqual([
      ['-l', '1-1.4', '-p', '2'],
      ['-l', '1-1.4', '-p', '2', '-a', 'off'],
      ['-l', '1-1.4', '-p', '2'],
      ['-l', '1-1.4', '-p', '2', '-a', 'off'],
      ['-l', '1-1.4', '-p', '2', '-a', 'on'],
      ['-l', '1-1.4', '-p', '2'],
    ]);
  });

  it('passes extra arguments before the action (e.g. -r for hubs that need repeated requests)', async () => {
    const f = await fakeUhubctl();
    await createUhubctlPower({ location: '2-1', port: 4, binary: f.path, extraArgs: ['-r', '5'] }).off();
    expect(await f.calls()).toEqual([['-l', '2-1', '-p', '4', '-r', '5', '-a', 'off']]);
  });

  it('fails when the hub reports the port still powered after "off": per-port switching does not work there', async () => {
    const f = await fakeUhubctl({ ignoreOff: true });
    const p = createUhubctlPower({ location: '1-1', port: 3, binary: f.path });
    await expect(p.off()).rejects.toThrow(/asked for power off, but uhubctl reports the port on: does this hub switch per-port power\?/);
  });

  it('refuses a malformed location or port, and names a missing uhubctl', async () => {
    expect(() => createUhubctlPower({ location: '1-1; reboot', port: 2 })).toThrow(/location must be a hub location/);
    expect(() => createUhubctlPower({ location: '1-1', port: 0 })).toThrow(/port must be an integer from 1 to 255/);
    const p = createUhubctlPower({ location: '1-1', port: 1, binary: '/nonexistent/uhubctl' });
    await expect(p.on()).rejects.toThrow(/uhubctl hub 1-1 port 1: power on: cannot run .*no such program/);
  });
});
