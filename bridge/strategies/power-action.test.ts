import { EMPTY } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonBoard } from '../daemon/daemon.js';
import type { PowerState } from '../../drivers/power/power-driver.js';
import { runPowerAction } from './power-action.js';

// The check before switching, in isolation: the rest of a power action runs against real
// boards and brokers in hil-tests/power.
function boardWith(state: PowerState, clients: string[]): DaemonBoard {
  return {
    power: { description: 'test driver', state: async () => state, on: async () => undefined, off: async () => undefined, cycle: async () => undefined, close: async () => undefined },
    config: { cutProfile: 'fin', link: 'framed' },
    clients: () => clients.map((clientId, connId) => ({ connId, clientId, keepalive: 60 })),
    events$: EMPTY,
    packets$: EMPTY,
  } as unknown as DaemonBoard;
}

describe('power action, before switching', () => {
  it('calls a board with clients connected on, whatever its driver last did (a restarted sim)', async () => {
    const t = await runPowerAction('dut', boardWith('unknown', ['app-1']), 'on');
    expect(t.ok).toBe(false);
    expect(t.steps).toEqual([expect.objectContaining({ step: 'error', detail: 'the board is already on (1 client connected: app-1): nothing to switch; power cycle restarts it' })]);
    const stale = await runPowerAction('dut', boardWith('off', ['app-1', 'app-2']), 'on');
    expect(stale.steps[0].detail).toBe('the board is already on (2 clients connected: app-1, app-2): nothing to switch; power cycle restarts it');
  });

  it('takes the driver\'s word when the board is silent', async () => {
    const t = await runPowerAction('dut', boardWith('off', []), 'cut');
    expect(t.steps).toEqual([expect.objectContaining({ step: 'error', detail: 'the board is already off (test driver): nothing to switch; power on brings it back' })]);
    expect((await runPowerAction('dut', boardWith('on', []), 'on')).steps[0].detail).toBe('the board is already on (test driver): nothing to switch; power cycle restarts it');
  });
});
