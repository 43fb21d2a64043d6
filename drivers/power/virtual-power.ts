import { cycleByOffOn, type PowerDriver } from './power-driver.js';

/** What the virtual board (drivers/boards/dl7450) offers its power supply. */
export interface PoweredBoard {
  readonly id: string;
  readonly state: 'off' | 'booting' | 'on';
  /** Resolves once booted. */
  powerOn(): Promise<void>;
  /** Instantaneous. */
  powerOff(): void;
}

/** The in-process virtual board's power: off is instantaneous, on resolves once it booted. */
export function createVirtualPower(board: PoweredBoard): PowerDriver {
  const driver: PowerDriver = {
    description: `virtual board ${board.id}`,
    on: () => board.powerOn(),
    off: () => Promise.resolve(board.powerOff()),
    cycle: (offMs) => cycleByOffOn(driver, offMs),
    state: () => Promise.resolve(board.state === 'off' ? 'off' : 'on'),
    close: () => Promise.resolve(),
  };
  return driver;
}
