import { LOG_LEVELS } from '../config/config-defaults.js';
import { UsageError } from './usage-error.js';

/** --log-level checked here, so a typo is a usage error (exit 2), not pino's own throw. */
export function logLevelOption(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  return value;
}
