export type Parity = 'none' | 'even' | 'odd';

export interface SerialportLinkOptions {
  path: string;
  baudRate?: number;
  /** Hardware flow control (RTS/CTS). */
  rtscts?: boolean;
  /** Software flow control. Off by default: 0x11/0x13 are ordinary bytes in binary frames. */
  xon?: boolean;
  xoff?: boolean;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: Parity;
  stopBits?: 1 | 2;
  /** Exclusive flock() on the device, so that a second program cannot interleave bytes. */
  lock?: boolean;
}

export type SerialportSettings = Required<SerialportLinkOptions>;

const PARITIES: readonly string[] = ['none', 'even', 'odd'];

/** Fills defaults and throws a TypeError naming the first bad field. */
export function resolveSerialportOptions(options: SerialportLinkOptions): SerialportSettings {
  const settings: SerialportSettings = {
    baudRate: 115200,
    rtscts: false,
    xon: false,
    xoff: false,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    lock: true,
    ...stripUndefined(options),
  };
  const { path, baudRate, dataBits, parity, stopBits } = settings;
  if (typeof path !== 'string' || path.length === 0) fail('path', path, 'a non-empty device path');
  if (!Number.isInteger(baudRate) || baudRate <= 0) fail('baudRate', baudRate, 'a positive integer');
  if (![5, 6, 7, 8].includes(dataBits)) fail('dataBits', dataBits, '5, 6, 7 or 8');
  if (!PARITIES.includes(parity)) fail('parity', parity, `one of ${PARITIES.join(', ')}`);
  if (stopBits !== 1 && stopBits !== 2) fail('stopBits', stopBits, '1 or 2');
  for (const field of ['rtscts', 'xon', 'xoff', 'lock'] as const) {
    if (typeof settings[field] !== 'boolean') fail(field, settings[field], 'a boolean');
  }
  return settings;
}

function fail(field: string, value: unknown, expected: string): never {
  throw new TypeError(`serial link option "${field}" must be ${expected}, got ${JSON.stringify(value)}`);
}

function stripUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
