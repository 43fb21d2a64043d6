// One interface for every way a bench switches a board's power, as labgrid's PowerProtocol:
// a USB hub port, a relay on a modem line, a command, a smart plug, the virtual board, or none.
// How to bring a board to a state (cut, wait, boot) is the strategies' business, not theirs.

export type PowerState = 'on' | 'off' | 'unknown';

export interface PowerDriver {
  /** What it switches, for logs and errors: "uhubctl hub 1-1 port 2". */
  readonly description: string;
  /** Resolves once the power is on (as far as the driver can tell); rejects with a PowerError. */
  on(): Promise<void>;
  off(): Promise<void>;
  /** Off, `offMs` without power (default 1000), on. */
  cycle(offMs?: number): Promise<void>;
  /** Read back where the hardware reports it, else what the driver last set; 'unknown' before. */
  state(): Promise<PowerState>;
  /** Releases what the driver holds open (a serial port, an MQTT connection); idempotent. */
  close(): Promise<void>;
}

/** A power operation that failed; the message names the driver and the cause. */
export class PowerError extends Error {
  override readonly name = 'PowerError';
}

export const DEFAULT_OFF_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** cycle() for drivers with nothing better: off, hold, on. */
export async function cycleByOffOn(driver: Pick<PowerDriver, 'on' | 'off'>, offMs: number = DEFAULT_OFF_MS): Promise<void> {
  if (!Number.isFinite(offMs) || offMs < 0) throw new TypeError(`power cycle: offMs must be a number >= 0, got ${offMs}`);
  await driver.off();
  await sleep(offMs);
  await driver.on();
}
