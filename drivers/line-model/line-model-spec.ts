import { checkSeed, resolveLineModel, type ByteFaultRates, type LineModelOptions } from './line-model-options.js';

// A line model in one string, for a CLI flag or a bench file:
//   baud=115200,burst=16,biterr=1e-5,drop=1e-6,stall=1e-6:50ms,seed=7
// biterr, drop and stall apply both ways; prefixed with "tx." or "rx." they apply one way only.

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const DURATION = /^(.+?)(us|ms|s)$/;
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
const KEYS = 'baud, burst, seed, and biterr, drop, stall (each optionally prefixed tx. or rx.)';

const fail = (spec: string, detail: string): TypeError => new TypeError(`line model spec "${spec}": ${detail}`);

/** Parses a line model spec into createLineModel options; throws a TypeError naming the bad item. */
export function parseLineModelSpec(spec: string): Omit<LineModelOptions, 'scheduler'> {
  if (typeof spec !== 'string') throw new TypeError('line model spec must be a string');
  const options: Omit<LineModelOptions, 'scheduler'> = {};
  const seen = new Set<string>();
  const number = (key: string, text: string): number => {
    if (!NUMBER.test(text)) throw fail(spec, `${key} must be a number, got "${text}"`);
    return Number(text);
  };
  const rate = (key: string, text: string): number => {
    const value = number(key, text);
    if (!(value >= 0 && value <= 1)) throw fail(spec, `${key} must be a probability per byte in 0..1, got ${text}`);
    return value;
  };

  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw fail(spec, `"${item}" is not key=value; keys: ${KEYS}`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (seen.has(key)) throw fail(spec, `${key} is given twice`);
    seen.add(key);

    const dot = key.indexOf('.');
    const prefix = dot < 0 ? undefined : key.slice(0, dot);
    if (prefix !== undefined && prefix !== 'tx' && prefix !== 'rx') throw fail(spec, `unknown key "${key}"; keys: ${KEYS}`);
    const scope = prefix ?? 'faults';
    const name = key.slice(dot + 1);
    const faults = (): ByteFaultRates => (options[scope] ??= {});

    if (scope === 'faults' && name === 'baud') {
      options.baud = number(key, value);
      if (!(options.baud > 0)) throw fail(spec, `baud must be > 0, got ${value}`);
    } else if (scope === 'faults' && name === 'burst') {
      options.burstBytes = number(key, value);
      if (!(Number.isInteger(options.burstBytes) && options.burstBytes >= 1)) throw fail(spec, `burst must be an integer >= 1 (bytes), got ${value}`);
    } else if (scope === 'faults' && name === 'seed') {
      options.seed = number(key, value);
      try {
        checkSeed(options.seed);
      } catch {
        throw fail(spec, `seed must be an integer in 0..4294967295, got ${value}`);
      }
    } else if (name === 'biterr') {
      faults().bitError = rate(key, value);
    } else if (name === 'drop') {
      faults().drop = rate(key, value);
    } else if (name === 'stall') {
      const colon = value.indexOf(':');
      if (colon < 0) throw fail(spec, `${key} must be rate:duration, e.g. ${key}=1e-6:50ms, got "${value}"`);
      const f = faults();
      f.stall = rate(key, value.slice(0, colon).trim());
      f.stallMs = duration(spec, key, value.slice(colon + 1).trim());
    } else {
      throw fail(spec, `unknown key "${key}"; keys: ${KEYS}`);
    }
  }
  try {
    resolveLineModel(options); // the same rules createLineModel applies, checked here where the spec is known
  } catch (error) {
    throw fail(spec, (error as Error).message);
  }
  return options;
}

function duration(spec: string, key: string, text: string): number {
  const match = DURATION.exec(text);
  if (!match || !NUMBER.test(match[1])) throw fail(spec, `${key} duration must be a number with a unit (us, ms or s), e.g. 50ms, got "${text}"`);
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (!(ms > 0)) throw fail(spec, `${key} duration must be > 0, got "${text}"`);
  return ms;
}
