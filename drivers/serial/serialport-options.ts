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
const isBoolean = (v: unknown) => typeof v === 'boolean';

/** What each setting must be, as a test and the words for it. */
const RULES: { [K in keyof SerialportSettings]: [(value: unknown) => boolean, string] } = {
  path: [(v) => typeof v === 'string' && v.length > 0, 'a non-empty device path'],
  baudRate: [(v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer'],
  dataBits: [(v) => [5, 6, 7, 8].includes(v as number), '5, 6, 7 or 8'],
  parity: [(v) => PARITIES.includes(v as string), `one of ${PARITIES.join(', ')}`],
  stopBits: [(v) => v === 1 || v === 2, '1 or 2'],
  rtscts: [isBoolean, 'a boolean'],
  xon: [isBoolean, 'a boolean'],
  xoff: [isBoolean, 'a boolean'],
  lock: [isBoolean, 'a boolean'],
};

/** What `field` must be, when `value` is not that; undefined when it is. */
export function serialOptionExpectation(field: keyof SerialportSettings, value: unknown): string | undefined {
  const [ok, expected] = RULES[field];
  return ok(value) ? undefined : expected;
}

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
  for (const field of Object.keys(RULES) as (keyof SerialportSettings)[]) {
    const expected = serialOptionExpectation(field, settings[field]);
    if (expected) throw new TypeError(`serial link option "${field}" must be ${expected}, got ${JSON.stringify(settings[field])}`);
  }
  return settings;
}

function stripUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
