import type { SchedulerLike, Subscription } from 'rxjs';
import type { Frame } from '../framing/frame.js';
import { MAX_WINDOW } from './protocol.js';
import type { RtoEstimator } from './rto.js';
import { seqAdd, seqDiff } from './seq.js';
import { Fifo } from './fifo.js';
import type { LinkCounters } from './link-stats.js';
import { createDeadlineTimer } from './deadline-timer.js';

export interface Outgoing {
  channel: number;
  flags: number;
  payload: Buffer;
}

interface InFlight extends Outgoing {
  sentAt: number;
  retransmitted: boolean;
}

export interface SenderContext {
  scheduler: SchedulerLike;
  rto: RtoEstimator;
  rtoMaxMs: number;
  maxRetries: number;
  counters: LinkCounters;
  /** Writes a frame; its ack and credit come from the receiver. */
  emit(channel: number, flags: number, seq: number, payload: Buffer): void;
  /** Sends an ACK-channel POLL. */
  poll(): void;
  after(ms: number, fn: () => void): Subscription;
  /** Retransmissions or polls exhausted: the link is broken. */
  broken(detail: string): void;
  /** Bytes held changed (queued + unacknowledged payload). */
  held?(bytes: number): void;
}

/** Queue classes, served in this order. */
export type Priority = 'ctrl' | 'urgent' | 'bulk';

/**
 * The sending half of the reliable link: CTRL first, then small MQTT packets (acks, PINGRESP,
 * SUBACK), then PUBLISH, so that a bulk download never holds a PINGRESP past the keep-alive;
 * never beyond the peer's credit or 127 unacknowledged; go-back-N retransmission on timeout or
 * GAP; zero-credit polls. It reports the bytes it holds (queued and unacknowledged) so that
 * whoever feeds it can be paused.
 */
export function createLinkSender(ctx: SenderContext) {
  const { scheduler, rto, counters } = ctx;
  let active = false; // only while the link is up
  let sndUna = 0;
  let sndNxt = 0;
  let inflight: InFlight[] = [];
  const queues: Record<Priority, Fifo<Outgoing>> = { ctrl: new Fifo(), urgent: new Fifo(), bulk: new Fifo() };
  let heldBytes = 0;
  const hold = (delta: number): void => {
    heldBytes += delta;
    ctx.held?.(heldBytes);
  };
  let peerCredit = 0;
  let retries = 0;
  let pollRetries = 0;
  let fastRetransmitted = false;
  let lastSentAt = 0;
  let persistTimer: Subscription | undefined;

  const queued = (): number => queues.ctrl.length + queues.urgent.length + queues.bulk.length;

  // Every acknowledgement pushes the deadline back (deadline-timer.ts: no timer per frame).
  const rtoTimer = createDeadlineTimer(ctx.after, () => scheduler.now(), onRto);
  const armRto = (): void => {
    if (inflight.length > 0) rtoTimer.set(scheduler.now() + rto.timeoutMs());
    else rtoTimer.clear();
  };

  const retransmitAll = (): void => {
    const now = scheduler.now();
    inflight.forEach((f, i) => {
      f.retransmitted = true;
      f.sentAt = now;
      counters.retransmits++;
      ctx.emit(f.channel, f.flags, seqAdd(sndUna, i), f.payload);
    });
    lastSentAt = now;
  };

  function onRto(): void {
    if (!active || inflight.length === 0) return;
    if (++retries > ctx.maxRetries) return ctx.broken(`no acknowledgement after ${ctx.maxRetries} retransmissions`);
    rto.backOff();
    retransmitAll();
    armRto();
  }

  function onPersist(): void {
    persistTimer = undefined;
    if (!active || inflight.length > 0 || peerCredit > 0 || queued() === 0) return;
    if (++pollRetries > ctx.maxRetries) return ctx.broken(`peer gave no credit and answered none of ${ctx.maxRetries} polls`);
    counters.polls++;
    ctx.poll();
    persistTimer = ctx.after(Math.min(ctx.rtoMaxMs, rto.timeoutMs() * 2 ** pollRetries), onPersist);
  }

  const pump = (): void => {
    if (!active) return;
    const limit = Math.min(peerCredit, MAX_WINDOW);
    while (inflight.length < limit) {
      const msg = queues.ctrl.shift() ?? queues.urgent.shift() ?? queues.bulk.shift();
      if (msg === undefined) break;
      const seq = sndNxt;
      sndNxt = seqAdd(sndNxt, 1);
      lastSentAt = scheduler.now();
      // Spelled out: a spread of msg (queued from several call sites, so of several shapes)
      // took V8's slow clone path, about 2 µs per frame, most of a flood's sending cost.
      inflight.push({ channel: msg.channel, flags: msg.flags, payload: msg.payload, sentAt: lastSentAt, retransmitted: false });
      ctx.emit(msg.channel, msg.flags, seq, msg.payload);
      if (!rtoTimer.pending()) armRto();
    }
    if (queued() > 0 && inflight.length === 0 && peerCredit === 0) {
      persistTimer ??= ctx.after(rto.timeoutMs(), onPersist);
    }
  };

  return {
    /** Forgets everything: a new session starts at sequence 0. */
    reset(): void {
      active = false;
      sndUna = sndNxt = 0;
      inflight = [];
      for (const q of Object.values(queues)) q.clear();
      if (heldBytes !== 0) hold(-heldBytes);
      peerCredit = retries = pollRetries = 0;
      fastRetransmitted = false;
      rto.resetBackOff();
      rtoTimer.stop();
      persistTimer?.unsubscribe();
      persistTimer = undefined;
    },
    /** The link is up: the peer announced `window` frames of credit. */
    open(window: number): void {
      active = true;
      peerCredit = window;
      lastSentAt = scheduler.now();
      pump();
    },
    queue(priority: Priority, msg: Outgoing): void {
      queues[priority].push(msg);
      hold(msg.payload.length);
    },
    pump,
    /** Every frame from the peer: its cumulative ack and credit. */
    onAck(frame: Frame): void {
      pollRetries = 0;
      const acked = seqDiff(frame.ack, sndUna);
      if (acked > inflight.length) return; // not about this session's frames
      if (acked > 0) {
        const newest = inflight[acked - 1];
        // Karn: a retransmitted frame gives no sample, and the backed-off timeout stays until
        // one sent once does; otherwise a line slower than the initial RTO would time out on
        // every frame.
        if (!newest.retransmitted) {
          rto.sample(scheduler.now() - newest.sentAt);
          rto.resetBackOff();
        }
        let freed = 0;
        for (let i = 0; i < acked; i++) freed += inflight[i].payload.length;
        inflight = inflight.slice(acked);
        sndUna = frame.ack;
        hold(-freed);
        retries = 0;
        fastRetransmitted = false;
        armRto();
      }
      peerCredit = frame.credit;
    },
    /** The peer saw a gap: resend now rather than at the timeout (once per progress). */
    onGap(): void {
      if (fastRetransmitted || inflight.length === 0) return;
      fastRetransmitted = true;
      retransmitAll();
      armRto();
    },
    /** Nothing queued or unacknowledged. */
    idle: (): boolean => inflight.length === 0 && queued() === 0,
    lastSentAt: (): number => lastSentAt,
    /** Carried in the seq field of unsequenced frames. */
    nextSeq: (): number => sndNxt,
    gauges: () => ({ inFlight: inflight.length, queued: queued(), peerCredit }),
    heldBytes: (): number => heldBytes,
    stop(): void {
      rtoTimer.stop();
      persistTimer?.unsubscribe();
    },
  };
}

export type LinkSender = ReturnType<typeof createLinkSender>;
