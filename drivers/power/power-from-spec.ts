import { createCommandPower, type CommandPowerOptions } from './command-power.js';
import { createModemLinePower, type ModemLinePowerOptions } from './modem-line-power.js';
import { createMqttPlugPower, type MqttPlugPowerOptions } from './mqtt-plug-power.js';
import { createNonePower } from './none-power.js';
import type { PowerDriver } from './power-driver.js';
import { createSignalPower, type SignalPowerOptions } from './signal-power.js';
import { createUhubctlPower, type UhubctlPowerOptions } from './uhubctl-power.js';

/** A bench file's `power:` entry for one board (checked by bridge/config's schema). */
export type PowerSpec =
  | { driver: 'none' }
  | ({ driver: 'uhubctl' } & UhubctlPowerOptions)
  | ({ driver: 'modem' } & Omit<ModemLinePowerOptions, 'binding'>)
  | ({ driver: 'command' } & CommandPowerOptions)
  | ({ driver: 'mqtt-plug' } & MqttPlugPowerOptions)
  | ({ driver: 'sim' } & SignalPowerOptions);

type Builder<K extends PowerSpec['driver']> = (spec: Extract<PowerSpec, { driver: K }>, board: string) => PowerDriver;

/** One entry per driver, as the link specs have one per transport: a new driver is one file and one line. */
export const powerBuilders: { [K in PowerSpec['driver']]: Builder<K> } = {
  none: (_spec, board) => createNonePower(board),
  uhubctl: ({ driver: _d, ...o }) => createUhubctlPower(o),
  modem: ({ driver: _d, ...o }) => createModemLinePower(o),
  command: ({ driver: _d, ...o }) => createCommandPower(o),
  'mqtt-plug': ({ driver: _d, ...o }) => createMqttPlugPower(o),
  sim: ({ driver: _d, ...o }) => createSignalPower(o),
};

export const POWER_DRIVERS = Object.keys(powerBuilders) as PowerSpec['driver'][];

export function createPowerFromSpec(spec: PowerSpec, board: string): PowerDriver {
  const build = powerBuilders[spec.driver] as Builder<PowerSpec['driver']> | undefined;
  if (!build) throw new TypeError(`power driver must be one of ${POWER_DRIVERS.join(', ')}, got ${JSON.stringify((spec as { driver?: unknown }).driver)}`);
  return build(spec, board);
}
