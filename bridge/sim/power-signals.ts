import type { Sim } from './start-sim.js';
import type { SimLine } from './sim-console.js';

export const POWER_OFF_SIGNAL = 'SIGUSR1';
export const POWER_ON_SIGNAL = 'SIGUSR2';

/**
 * Power switched from outside the process: `kill -USR1 <pid>` cuts it, `kill -USR2 <pid>`
 * restores it, so a campaign script needs nothing but the pid. Returns the uninstaller. Must be
 * installed before the pid is announced: an unhandled SIGUSR2 would kill the process.
 */
export function handlePowerSignals(sim: Pick<Sim, 'board' | 'powerOff' | 'powerOn'>, print: (line: SimLine) => void): () => void {
  const off = (): void => {
    if (sim.board.state === 'off') return print({ level: 'info', text: `${POWER_OFF_SIGNAL}: power is already off` });
    sim.powerOff();
  };
  const on = (): void => {
    if (sim.board.state !== 'off') return print({ level: 'info', text: `${POWER_ON_SIGNAL}: power is already on` });
    sim.powerOn();
  };
  process.on(POWER_OFF_SIGNAL, off);
  process.on(POWER_ON_SIGNAL, on);
  return () => {
    process.off(POWER_OFF_SIGNAL, off);
    process.off(POWER_ON_SIGNAL, on);
  };
}
