import { UsageError } from './usage-error.js';

/** A numeric CLI option, checked: `--packets abc` is an error that names the option. */
export function parseNumberOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** A whole-number CLI option (a count, a seed, a QoS): `--messages 1.5` names the option too. */
export function parseIntegerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = parseNumberOption(name, raw, fallback, min, max);
  if (!Number.isInteger(value)) throw new UsageError(`--${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
  return value;
}
