import type { Frame } from '../framing/frame.js';
import { Channel, FLAG_FIRST, FLAG_LAST } from '../link/protocol.js';
import { hrNow, type NowNs } from './clock.js';

interface Expected {
  firstByte: number;
  length: number;
  drained(at: bigint): void;
}

// A connection whose packets never go out (the link went down) must not grow without end.
const MAX_EXPECTED_PER_CONNECTION = 4096;

/**
 * When each MQTT packet sent to the board has been written to the serial line: the line write
 * of its last frame completed. Packets handed to the link are expected per connection; a frame
 * is matched to the packet it starts by its first MQTT byte and size, since urgent packets
 * (acknowledgements) overtake queued PUBLISHes and arrive out of handing-over order. A
 * retransmission (the same payload buffer again) is not a new packet.
 */
export function createTxDrainStamper(now: NowNs = hrNow) {
  const expected = new Map<number, Expected[]>();
  const inProgress = new Map<number, Expected>();
  const seen = new WeakSet<Buffer>();

  return {
    /** `packet` was just handed to the link for `connId`; `drained` fires once it is on the line. */
    expect(connId: number, packet: Buffer, drained: (at: bigint) => void): void {
      let list = expected.get(connId);
      if (!list) expected.set(connId, (list = []));
      if (list.length >= MAX_EXPECTED_PER_CONNECTION) list.shift();
      list.push({ firstByte: packet[0], length: packet.length, drained });
    },
    /** A frame was written to the line; `written` settles when the write completed. */
    wrote(frame: Frame, written: Promise<void>): void {
      if (frame.channel !== Channel.MQTT || frame.payload.length < 2 || seen.has(frame.payload)) return;
      seen.add(frame.payload);
      const connId = frame.payload[0];
      let packet: Expected | undefined;
      if (frame.flags & FLAG_FIRST) {
        const whole = (frame.flags & FLAG_LAST) !== 0;
        const list = expected.get(connId) ?? [];
        const i = list.findIndex((e) => e.firstByte === frame.payload[1] && (!whole || e.length === frame.payload.length - 1));
        if (i === -1) return;
        packet = list.splice(i, 1)[0];
        if (!whole) return void inProgress.set(connId, packet);
      } else if (frame.flags & FLAG_LAST) {
        packet = inProgress.get(connId);
        inProgress.delete(connId);
      }
      const done = packet?.drained;
      if (done) written.then(() => done(now()), () => undefined);
    },
    /** The connection is gone: what it still expected will never be sent. */
    forget(connId: number): void {
      expected.delete(connId);
      inProgress.delete(connId);
    },
  };
}

export type TxDrainStamper = ReturnType<typeof createTxDrainStamper>;
