import { PowerError, type PowerDriver } from './power-driver.js';

/** A board whose power the bench cannot switch: every switch says so, the state is unknown. */
export function createNonePower(board = 'this board'): PowerDriver {
  const refuse = () => Promise.reject(new PowerError(`${board} has no power driver (power: none): give one in the bench file to cut its power`));
  return {
    description: 'none',
    on: refuse,
    off: refuse,
    cycle: refuse,
    state: () => Promise.resolve('unknown'),
    close: () => Promise.resolve(),
  };
}
