import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

// Secrets must not reach logs even if a packet object is logged whole by mistake.
const REDACT = ['password', '*.password', 'packet.password', 'will.payload', '*.sasToken', '*.key'];

/** Structured logs (JSON lines) on stderr, so stdout stays free for tables and reports. */
export function createLogger(level = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: undefined, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

/** A logger that drops everything, for tests that assert on events instead. */
export const silentLogger: Logger = pino({ level: 'silent' });
