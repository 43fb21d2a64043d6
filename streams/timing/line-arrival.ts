import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { DeframeEvent } from '../framing/deframe.js';
import { Channel, FLAG_FIRST, FLAG_LAST } from '../link/protocol.js';
import { hrNow, type NowNs } from './clock.js';

/** When a board packet came off the serial line. */
export interface LineStamps {
  serialFirst: bigint;
  serialLast: bigint;
  decoded: bigint;
}

interface Delivered {
  channel: number;
  flags: number;
  payload: Buffer;
}

const DELIMITER = 0x00;

/**
 * Three taps on one inbound pipeline (line chunks -> deframe -> link -> MQTT fragments) that
 * share what they saw, so that each whole MQTT packet from the board gets the arrival time of
 * its first and last byte. Userspace sees chunks, not bytes: a byte's time is its chunk's. A
 * frame starts in the chunk after the one its predecessor ended in, or in the same chunk when
 * that chunk went on past the delimiter. Everything downstream of a chunk runs synchronously
 * in its `next`, which is what lets the later taps read the earlier ones' state. While nobody
 * `watched` the captures, the taps do nothing: the serial-in path pays no clock reads for them.
 */
export function createLineStamper(now: NowNs = hrNow, watched: () => boolean = () => true) {
  let chunkAt = 0n;
  let nextFrameStart: bigint | undefined;
  let previousEndedAtDelimiter = true;
  let frame: LineStamps = { serialFirst: 0n, serialLast: 0n, decoded: 0n };
  const packetStart = new Map<number, bigint>();
  const ready = new Map<number, LineStamps>();

  return {
    /** On the line's chunks, before deframe (which may decode them in place). */
    chunks: (): MonoTypeOperatorFunction<Buffer> =>
      tap((chunk) => {
        // Unwatched, nothing is stamped; what was known goes, so that a frame after watching
        // starts again gets this chunk's time, not one from before.
        if (!watched()) return void (nextFrameStart = undefined);
        chunkAt = now();
        if (nextFrameStart === undefined || previousEndedAtDelimiter) nextFrameStart = chunkAt;
        previousEndedAtDelimiter = chunk.length > 0 && chunk[chunk.length - 1] === DELIMITER;
      }),
    /** On deframe's output. */
    frames: (): MonoTypeOperatorFunction<DeframeEvent> =>
      tap((e) => {
        if (!watched()) return;
        if (e.type !== 'frame') return void (nextFrameStart = chunkAt);
        frame = { serialFirst: nextFrameStart ?? chunkAt, serialLast: chunkAt, decoded: now() };
        nextFrameStart = chunkAt;
      }),
    /** On the link's MQTT-channel deliveries, before reassembly. */
    fragments: <T extends Delivered>(): MonoTypeOperatorFunction<T> =>
      tap((d) => {
        if (!watched()) return packetStart.size ? packetStart.clear() : undefined;
        if (d.channel !== Channel.MQTT || d.payload.length === 0) return;
        const connId = d.payload[0];
        const first = (d.flags & FLAG_FIRST) !== 0;
        if (!(d.flags & FLAG_LAST)) return void (first && packetStart.set(connId, frame.serialFirst));
        const serialFirst = first ? frame.serialFirst : (packetStart.get(connId) ?? frame.serialFirst);
        if (packetStart.size > 0) packetStart.delete(connId);
        // A packet in one frame (nearly all of them) has that frame's stamps: no new object.
        ready.set(connId, serialFirst === frame.serialFirst ? frame : { serialFirst, serialLast: frame.serialLast, decoded: frame.decoded });
      }),
    /** The stamps of the packet just reassembled for `connId` (once). */
    take(connId: number): LineStamps | undefined {
      const stamps = ready.get(connId);
      ready.delete(connId);
      return stamps;
    },
  };
}

export type LineStamper = ReturnType<typeof createLineStamper>;
