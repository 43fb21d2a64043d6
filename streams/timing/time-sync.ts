import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { clockOffset, decodeTime, encodeTime } from '../link/time-codec.js';
import { hrNow, type NowNs } from './clock.js';

/** The board's clock against the host's: board = host + offsetNs, within ± boundNs. */
export interface ClockEstimate {
  offsetNs: number;
  boundNs: number;
  /** Exchanges answered (of those sent). */
  samples: number;
  sent: number;
}

export interface TimeSyncOptions {
  /** Sends a TIME payload to the board (unsequenced: it may be lost). */
  send(payload: Buffer): void;
  scheduler?: SchedulerLike;
  now?: NowNs;
  /** How long one exchange waits for its answer before the next is tried. */
  answerTimeoutMs?: number;
}

/**
 * The host's side of the TIME channel (docs/link-protocol.md 3.3): NTP-style exchanges, one at
 * a time, and the estimate of the sample with the shortest round trip, whose bound is the
 * tightest (the minimum-delay filter NTP uses: queueing only ever adds error).
 */
export function createTimeSyncRequester(options: TimeSyncOptions) {
  const sched = options.scheduler ?? asyncScheduler;
  const now = options.now ?? hrNow;
  const answerTimeoutMs = options.answerTimeoutMs ?? 250;
  let nextId = 1;
  let waiting: { id: number; t1: bigint; answered(t2: bigint, t3: bigint, t4: bigint): void; abandon(): void } | undefined;
  let timer: Subscription | undefined;
  let stopped = false;

  const exchange = (): Promise<{ offsetNs: bigint; boundNs: bigint } | undefined> =>
    new Promise((resolve) => {
      const id = nextId++ >>> 0;
      const t1 = now();
      timer = sched.schedule(() => {
        waiting = undefined;
        resolve(undefined);
      }, answerTimeoutMs);
      waiting = {
        id,
        t1,
        abandon: () => resolve(undefined),
        answered: (t2, t3, t4) => {
          timer?.unsubscribe();
          waiting = undefined;
          resolve(clockOffset(t1, t2, t3, t4));
        },
      };
      options.send(encodeTime({ type: 'request', id, t1 }));
    });

  return {
    /** Runs `samples` exchanges; rejects when none is answered. */
    async estimate(samples = 8): Promise<ClockEstimate> {
      let best: { offsetNs: bigint; boundNs: bigint } | undefined;
      let answered = 0;
      let sent = 0;
      for (let i = 0; i < samples && !stopped; i++) {
        sent++;
        const s = await exchange();
        if (!s) continue;
        answered++;
        if (!best || s.boundNs < best.boundNs) best = s;
      }
      if (!best && stopped) throw new Error('clock sync stopped: the link session ended');
      if (!best) throw new Error(`the board answered none of ${samples} TIME requests in ${answerTimeoutMs} ms each (its firmware may not support clock sync)`);
      return { offsetNs: Number(best.offsetNs), boundNs: Number(best.boundNs), samples: answered, sent };
    },
    /** A TIME payload from the board, received at t4. */
    received(payload: Buffer, t4: bigint): void {
      const msg = decodeTime(payload);
      if (typeof msg === 'string' || msg.type !== 'response') return;
      if (waiting && msg.id === waiting.id && msg.t1 === waiting.t1) waiting.answered(msg.t2, msg.t3, t4);
    },
    stop(): void {
      stopped = true;
      timer?.unsubscribe();
      const w = waiting;
      waiting = undefined;
      w?.abandon();
    },
  };
}

/** The board's side: answers a request with its receive and send times, on its own clock. */
export function answerTimeRequest(payload: Buffer, receivedAt: bigint, now: NowNs = hrNow): Buffer | undefined {
  const msg = decodeTime(payload);
  if (typeof msg === 'string' || msg.type !== 'request') return undefined;
  return encodeTime({ type: 'response', id: msg.id, t1: msg.t1, t2: receivedAt, t3: now() });
}
