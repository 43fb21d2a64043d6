import { DEFAULT_MAX_PACKET_BYTES } from '../../streams/link/defaults.js';

// Every built-in default of the bench config lives here, so the schema, the docs and the CLI
// cannot drift apart.

export const LINK_MODES = ['framed', 'raw'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** The MQTT maximum: Remaining Length 268 435 455 plus a 5-byte fixed header. */
export const MAX_MQTT_PACKET_BYTES = 268_435_460;
/** Below this not even a fixed header and a short CONNECT fit. */
export const MIN_MAX_PACKET_BYTES = 16;
/** Node timers overflow (and fire at once) past 2^31 - 1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const BUILT_IN_BOARD_SETTINGS = {
  link: 'framed',
  baudRate: 115_200,
  maxPacketBytes: DEFAULT_MAX_PACKET_BYTES,
  queueBytes: 65_536,
  stallTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  helloTimeoutMs: 60_000,
  cutProfile: 'fin',
  captureSecrets: false,
} as const;

export const BUILT_IN_BROKER = 'embedded';
export const BUILT_IN_LOG_LEVEL = 'info';
