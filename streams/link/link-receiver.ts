import type { Frame } from '../framing/frame.js';
import { AckType } from './protocol.js';
import { seqAdd, seqDiff } from './seq.js';
import type { LinkCounters } from './link-stats.js';

export interface ReceiverContext {
  window: number;
  autoConsume: boolean;
  counters: LinkCounters;
  /** Sends an ACK-channel frame now (its header carries ack and credit). */
  ackNow(kind: number): void;
  /** Acknowledges soon, or with the next frame going out. */
  oweAck(): void;
}

/**
 * The receiving half of the reliable link: go-back-N acceptance of sequenced frames, duplicate
 * suppression, gap reports, and credit = window − frames delivered but not yet consumed.
 */
export function createLinkReceiver(ctx: ReceiverContext) {
  let expected = 0;
  let held = 0;
  let gapReported = false;
  const credit = (): number => Math.max(0, ctx.window - held);
  return {
    reset(): void {
      expected = held = 0;
      gapReported = false;
    },
    /** The cumulative acknowledgement: the next sequence number expected. */
    ack: (): number => expected,
    credit,
    /**
     * True if the frame is the next in order and must be delivered; `holds`: it occupies a
     * receive slot until consumed (link-internal PING/PONG do not).
     */
    accept(frame: Frame, holds: boolean): boolean {
      const d = seqDiff(frame.seq, expected);
      if (d === 0) {
        if (held >= ctx.window) {
          ctx.counters.overruns++; // sent beyond our credit: refused, resent later
          ctx.ackNow(AckType.ACK);
          return false;
        }
        expected = seqAdd(expected, 1);
        gapReported = false;
        if (!ctx.autoConsume && holds) held++;
        ctx.oweAck();
        return true;
      }
      if (d >= 128) {
        ctx.counters.duplicates++; // our acknowledgement was lost: repeat it
        ctx.ackNow(AckType.ACK);
      } else {
        ctx.counters.outOfOrder++;
        if (!gapReported) {
          gapReported = true;
          ctx.ackNow(AckType.GAP);
        }
      }
      return false;
    },
    /** The application is done with `frames` delivered frames; true if credit grew. */
    consumed(frames: number): boolean {
      const before = credit();
      held = Math.max(0, held - frames);
      return credit() > before;
    },
  };
}

export type LinkReceiver = ReturnType<typeof createLinkReceiver>;
