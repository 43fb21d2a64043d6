import { Subject, VirtualAction, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { deframe } from '../framing/deframe.js';
import { encodeFrame, type Frame } from '../framing/frame.js';
import { linkEndpoint, type LinkCommand, type LinkEndpointOptions, type LinkInput, type LinkOutput } from '../link/link-endpoint.js';
import { Role } from '../link/protocol.js';
import { createLineFaults } from '../faults/line-faults.js';

/** What the line does to one encoded frame: the byte runs that arrive instead (none = lost). */
export type LineFault = (wire: Buffer, frame: Frame, from: 'A' | 'B') => Buffer[];

export const cleanLine: LineFault = (wire) => [wire];

export interface Side {
  readonly outputs: { at: number; out: LinkOutput }[];
  send(cmd: LinkCommand): void;
  /** Replaces the endpoint with a fresh one (a reboot: new epoch, empty state). */
  reboot(epoch: number): void;
  of<T extends LinkOutput['type']>(type: T): Extract<LinkOutput, { type: T }>[];
}

export interface LinkPair {
  scheduler: VirtualTimeScheduler;
  A: Side;
  B: Side;
  /** Runs virtual time forward by `ms`. */
  advance(ms: number): void;
  /** Changes what the line does from now on. */
  setLine(fault: LineFault): void;
  stop(): void;
}

export interface PairOptions {
  line?: LineFault;
  /** One-way line delay in ms. */
  delayMs?: number;
  a?: Partial<LinkEndpointOptions>;
  b?: Partial<LinkEndpointOptions>;
}

const base = (role: Role, id: string): LinkEndpointOptions => ({
  role,
  id,
  firmware: 'test',
  mtu: 256,
  window: 8,
  helloIntervalMs: 500,
  pingIntervalMs: 1000,
});

/**
 * Two link endpoints joined by a simulated serial line in virtual time. Frames really go
 * through COBS/CRC encoding and the deframer, so corrupted bytes are caught where they would be.
 */
export function createLinkPair(options: PairOptions = {}): LinkPair {
  // Virtual time is bounded far beyond any test so the periodic PING timer cannot run forever.
  const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);
  let line = options.line ?? cleanLine;
  const delayMs = options.delayMs ?? 2;
  const subs: Subscription[] = [];

  const makeSide = (name: 'A' | 'B', role: Role, extra: Partial<LinkEndpointOptions> | undefined, deliver: (b: Buffer) => void) => {
    const outputs: { at: number; out: LinkOutput }[] = [];
    let input = new Subject<LinkInput>();
    let sub: Subscription | undefined;
    const start = (epoch?: number) => {
      sub?.unsubscribe();
      input = new Subject<LinkInput>();
      const opts = { ...base(role, name), ...extra, scheduler, ...(epoch === undefined ? {} : { epoch }) };
      sub = input.pipe(linkEndpoint(opts)).subscribe((out) => {
        outputs.push({ at: scheduler.now(), out });
        if (out.type !== 'tx') return;
        for (const bytes of line(encodeFrame(out.frame), out.frame, name)) {
          scheduler.schedule(() => deliver(bytes), delayMs);
        }
      });
    };
    start(extra?.epoch);
    const bytesIn = new Subject<Buffer>();
    subs.push(bytesIn.pipe(deframe({ maxPayload: 4096 })).subscribe((e) => input.next(e)));
    const side: Side = {
      outputs,
      send: (cmd) => input.next(cmd),
      reboot: (epoch) => start(epoch),
      of: <T extends LinkOutput['type']>(type: T) =>
        outputs.filter((o) => o.out.type === type).map((o) => o.out as Extract<LinkOutput, { type: T }>),
    };
    return { side, bytesIn, stop: () => sub?.unsubscribe() };
  };

  const a = makeSide('A', Role.HOST, options.a, (bytes) => b.bytesIn.next(bytes));
  const b = makeSide('B', Role.BOARD, options.b, (bytes) => a.bytesIn.next(bytes));

  return {
    scheduler,
    A: a.side,
    B: b.side,
    advance(ms) {
      const target = scheduler.now() + ms;
      scheduler.maxFrames = target;
      scheduler.flush();
      scheduler.frame = target; // flush stops at the last action; the clock still reaches target
    },
    setLine(fault) {
      line = fault;
    },
    stop() {
      a.stop();
      b.stop();
      for (const s of subs) s.unsubscribe();
    },
  };
}

export { seededRandom as prng } from '../faults/line-faults.js';

export interface FaultRates {
  drop: number;
  corrupt: number;
  duplicate: number;
  truncate: number;
}

/** A line that drops, corrupts, duplicates and truncates frames at the given rates. */
export function lossyLine(random: () => number, rates: FaultRates): LineFault {
  const faults = createLineFaults(random, rates);
  return (wire) => faults(wire);
}
