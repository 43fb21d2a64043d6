import { UsageError } from './usage-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** A duration option: "500ms", "10s", "2m", or plain seconds. */
export function parseDurationMs(name: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  const ms = m ? Math.round(Number(m[1]) * UNITS[m[2] ?? 's']) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 24 * 3600_000) throw new UsageError(`--${name} must be a duration such as 500ms, 10s or 2m (at most 24 h), got "${raw}"`);
  return ms;
}
