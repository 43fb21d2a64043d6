import type { SchedulerLike } from 'rxjs';

/** What a line does to the bytes crossing it in one direction, each a probability per byte. */
export interface ByteFaultRates {
  /** One random bit of the byte flips (noise on a UART). */
  bitError?: number;
  /** The byte never arrives, though it took its time on the wire (an overrun, a lost USB packet). */
  drop?: number;
  /** Before this byte the line stops for `stallMs` (a USB hiccup, a host that stopped polling). */
  stall?: number;
  /** How long a stall lasts; required when `stall` > 0. */
  stallMs?: number;
}

export interface LineModelOptions {
  /** Bits per second with 8N1 framing (baud/10 bytes per second) each way; undefined = no throttle. */
  baud?: number;
  /** Bytes that may go out ahead of the line rate after a pause (a UART FIFO). Default 16. */
  burstBytes?: number;
  /** Faults for both directions; `tx` and `rx` override them key by key. */
  faults?: ByteFaultRates;
  /** Faults on bytes written: write() -> the inner line. */
  tx?: ByteFaultRates;
  /** Faults on bytes read: the inner line -> data$. */
  rx?: ByteFaultRates;
  /** PRNG seed, so a run's faults replay exactly. Random by default (stats() reports it). */
  seed?: number;
  /** Where time comes from; a VirtualTimeScheduler in tests. Default asyncScheduler. */
  scheduler?: SchedulerLike;
}

/** What setOptions() may change: everything but the seed and the clock, fixed for a model's life. */
export type LineModelSettings = Omit<LineModelOptions, 'seed' | 'scheduler'>;

export type ResolvedFaults = Required<ByteFaultRates>;

/** One direction's settings, all defaults applied. */
export interface DirectionSettings {
  baud: number | undefined;
  burstBytes: number;
  faults: ResolvedFaults;
}

export interface ResolvedLineModel {
  tx: DirectionSettings;
  rx: DirectionSettings;
}

export const DEFAULT_BURST_BYTES = 16;
const NO_FAULTS: ResolvedFaults = { bitError: 0, drop: 0, stall: 0, stallMs: 0 };

const OPTION_KEYS = new Set(['baud', 'burstBytes', 'faults', 'tx', 'rx', 'seed', 'scheduler']);
const FAULT_KEYS = new Set(['bitError', 'drop', 'stall', 'stallMs']);

const bad = (name: string, rule: string, value: unknown): TypeError =>
  new TypeError(`line model option "${name}" must be ${rule}, got ${describe(value)}`);

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value) ?? String(value);
  return value === null ? 'null' : typeof value;
}

function checkKeys(value: object, allowed: Set<string>, prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw new TypeError(`unknown line model option "${prefix}${key}"; known: ${[...allowed].map((k) => prefix + k).join(', ')}`);
  }
}

function checkRate(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad(name, 'a probability per byte in 0..1', value);
}

function checkFaults(name: string, faults: unknown): void {
  if (faults === undefined) return;
  if (typeof faults !== 'object' || faults === null) throw bad(name, 'an object of rates', faults);
  checkKeys(faults, FAULT_KEYS, `${name}.`);
  const f = faults as ByteFaultRates;
  checkRate(`${name}.bitError`, f.bitError);
  checkRate(`${name}.drop`, f.drop);
  checkRate(`${name}.stall`, f.stall);
  if (f.stallMs !== undefined && !(typeof f.stallMs === 'number' && f.stallMs >= 0 && Number.isFinite(f.stallMs))) {
    throw bad(`${name}.stallMs`, 'a finite number of milliseconds >= 0', f.stallMs);
  }
}

/** Throws a TypeError naming the first bad option (seed and scheduler are checked by checkSeed and at creation). */
export function checkLineModelSettings(options: LineModelOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('line model options must be an object');
  checkKeys(options, OPTION_KEYS, '');
  const { baud, burstBytes } = options;
  if (baud !== undefined && !(typeof baud === 'number' && baud > 0 && Number.isFinite(baud))) {
    throw bad('baud', 'a positive number of bits per second (or undefined for no throttle)', baud);
  }
  if (burstBytes !== undefined && !(Number.isInteger(burstBytes) && burstBytes >= 1)) throw bad('burstBytes', 'an integer >= 1', burstBytes);
  checkFaults('faults', options.faults);
  checkFaults('tx', options.tx);
  checkFaults('rx', options.rx);
}

export function checkSeed(seed: unknown): void {
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= 0xffffffff)) {
    throw bad('seed', 'an integer in 0..4294967295', seed);
  }
}

function resolveFaults(name: 'tx' | 'rx', shared: ByteFaultRates | undefined, own: ByteFaultRates | undefined): ResolvedFaults {
  const merged = { ...NO_FAULTS, ...dropUndefined(shared), ...dropUndefined(own) };
  // A stall of unknown length would be a silent guess; say which key is missing instead.
  if (merged.stall > 0 && !(merged.stallMs > 0)) {
    throw new TypeError(`line model option "${name}.stallMs" (or "faults.stallMs") must be > 0 when the ${name} stall rate is ${merged.stall}`);
  }
  return merged;
}

function dropUndefined(faults: ByteFaultRates | undefined): ByteFaultRates {
  return Object.fromEntries(Object.entries(faults ?? {}).filter(([, v]) => v !== undefined));
}

/** Validated settings -> what each direction runs with. */
export function resolveLineModel(settings: LineModelSettings): ResolvedLineModel {
  checkLineModelSettings(settings);
  const shared = { baud: settings.baud, burstBytes: settings.burstBytes ?? DEFAULT_BURST_BYTES };
  return {
    tx: { ...shared, faults: resolveFaults('tx', settings.faults, settings.tx) },
    rx: { ...shared, faults: resolveFaults('rx', settings.faults, settings.rx) },
  };
}

/** `next` over `current`; fault groups merge key by key, so { tx: { drop: 0 } } keeps tx.bitError. */
export function mergeSettings(current: LineModelSettings, next: LineModelSettings): LineModelSettings {
  const merged: LineModelSettings = { ...current, ...next };
  for (const key of ['faults', 'tx', 'rx'] as const) {
    if (current[key] !== undefined || next[key] !== undefined) merged[key] = { ...current[key], ...next[key] };
  }
  return merged;
}
