import type { Observable, Subscription } from 'rxjs';
import type { PacketCapture } from '../../streams/timing/capture-types.js';

/** What a run spent with capture off (even phases) and on (odd phases). */
export interface ToggleResult {
  /** The latest a toggle came after its phase boundary, µs: it must stay under the app's guard. */
  lateUsMax: number;
  /** This process's CPU per second of each side, µs/s. */
  cpuPerSecond: { off: number; on: number };
  seconds: { off: number; on: number };
}

export interface CaptureToggle {
  stop(): ToggleResult;
}

const hr = () => process.hrtime.bigint();

/**
 * Watches `captures$` in the odd phases of the host clock (phases of `phaseMs`, counted from
 * the clock's zero, which the board app's process shares) and not in the even ones, so that
 * one run holds both sides interleaved and any drift of the machine falls on both alike.
 */
export function toggleCaptures(captures$: Observable<PacketCapture>, phaseMs: number, onCapture: (c: PacketCapture) => void): CaptureToggle {
  const phaseNs = BigInt(Math.round(phaseMs * 1e6));
  let sub: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lateNsMax = 0n;
  const cpuUs = { off: 0, on: 0 };
  const ns = { off: 0n, on: 0n };
  let since = hr();
  let cpu = process.cpuUsage();

  const account = (now: bigint): void => {
    const side = sub ? 'on' : 'off';
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    cpuUs[side] += used.user + used.system;
    ns[side] += now - since;
    since = now;
  };
  const enter = (phase: bigint): void => {
    if (phase % 2n === 1n) sub ??= captures$.subscribe(onCapture);
    else {
      sub?.unsubscribe();
      sub = undefined;
    }
  };
  // Node's timers count whole milliseconds of a cached loop time, so one may fire just before
  // its boundary: it then waits again, and each delay is taken from the clock, not the last one.
  const at = (boundary: bigint): void => void (timer = setTimeout(next, Math.max(0, Math.floor(Number(boundary - hr()) / 1e6)), boundary));
  const next = (boundary: bigint): void => {
    const now = hr();
    if (now < boundary) return at(boundary);
    if (now - boundary > lateNsMax) lateNsMax = now - boundary;
    account(now);
    enter(boundary / phaseNs);
    at(boundary + phaseNs);
  };

  const start = hr();
  enter(start / phaseNs);
  at((start / phaseNs + 1n) * phaseNs);
  return {
    stop() {
      clearTimeout(timer);
      account(hr());
      sub?.unsubscribe();
      const seconds = { off: Number(ns.off) / 1e9, on: Number(ns.on) / 1e9 };
      return { lateUsMax: Number(lateNsMax) / 1000, cpuPerSecond: { off: cpuUs.off / seconds.off, on: cpuUs.on / seconds.on }, seconds };
    },
  };
}
