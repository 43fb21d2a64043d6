import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { FLAG_FIRST, FLAG_LAST } from '../link/protocol.js';
import { readFixedHeader } from './fixed-header.js';

/** An MQTT-channel frame as the link delivers it (in order, exactly once). */
export interface MqttChannelFrame {
  flags: number;
  payload: Buffer;
}

export type MqttMessageError = 'malformed' | 'too-large' | 'bad-fragment' | 'length-mismatch' | 'stalled';

export type MqttMessage =
  | { type: 'packet'; connId: number; bytes: Buffer }
  | { type: 'error'; connId: number; error: MqttMessageError; detail: string };

export interface ReassembleOptions {
  /** Whole-packet size limit; larger packets are refused when their first fragment arrives. */
  maxPacketBytes: number;
  /** A fragmented packet with no new fragment for this long is dropped as an error. */
  stallTimeoutMs?: number;
  scheduler?: SchedulerLike;
}

interface Partial {
  buf: Buffer;
  filled: number;
}

/**
 * MQTT-channel frames -> whole MQTT packets, per connection id. A packet in one frame is passed
 * on without copying. The declared length is checked against the limit on the first fragment,
 * and only that many bytes are ever buffered for a connection.
 */
export function reassembleMqtt(options: ReassembleOptions): OperatorFunction<MqttChannelFrame, MqttMessage> {
  const { maxPacketBytes, stallTimeoutMs } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<MqttMessage>((subscriber) => {
      const partials = new Map<number, Partial>();
      const stallTimers = new Map<number, Subscription>();
      // (Re)started on every fragment of an unfinished packet; the late rest of it is skipped.
      const watchStall = (connId: number): void => {
        if (stallTimers.size === 0 && partials.size === 0) return; // whole packets only: nothing to watch
        stallTimers.get(connId)?.unsubscribe();
        stallTimers.delete(connId);
        const partial = partials.get(connId);
        if (stallTimeoutMs === undefined || partial === undefined) return;
        stallTimers.set(
          connId,
          scheduler.schedule(() => {
            stallTimers.delete(connId);
            fail(connId, 'stalled', `packet stalled after ${partial.filled} of ${partial.buf.length} bytes for ${stallTimeoutMs} ms`);
            skipping.add(connId);
          }, stallTimeoutMs),
        );
      };
      // Connections whose current packet was refused: the rest of it is skipped.
      const skipping = new Set<number>();

      const report = (connId: number, error: MqttMessageError, detail: string): void => {
        subscriber.next({ type: 'error', connId, error, detail });
      };
      const fail = (connId: number, error: MqttMessageError, detail: string): void => {
        partials.delete(connId);
        report(connId, error, detail);
      };

      const first = (connId: number, flags: number, frame: Buffer): void => {
        // A whole packet may overtake a fragmented one of the same connection (protocol 3.2):
        // it leaves that packet's state alone. Only a new fragmented packet cuts it short.
        const whole = (flags & FLAG_LAST) !== 0;
        if (!whole) {
          skipping.delete(connId);
          if (partials.has(connId)) fail(connId, 'bad-fragment', 'a new packet started before the last one ended');
        }
        const header = readFixedHeader(frame, 1, frame.length);
        const problem = whole ? report : fail;
        if (typeof header === 'string') {
          problem(connId, 'malformed', 'first fragment does not hold a valid MQTT fixed header');
          if (!whole) skipping.add(connId);
          return;
        }
        if (header.packetBytes > maxPacketBytes) {
          problem(connId, 'too-large', `packet declares ${header.packetBytes} bytes, limit is ${maxPacketBytes}`);
          if (!whole) skipping.add(connId);
          return;
        }
        const chunk = frame.length - 1;
        if (whole) {
          if (chunk !== header.packetBytes) {
            report(connId, 'length-mismatch', `packet declares ${header.packetBytes} bytes, frame holds ${chunk}`);
          } else {
            // Buffer.from(arrayBuffer, ...) is markedly cheaper than subarray() per packet.
            subscriber.next({ type: 'packet', connId, bytes: Buffer.from(frame.buffer, frame.byteOffset + 1, chunk) });
          }
          return;
        }
        if (chunk > header.packetBytes) {
          fail(connId, 'length-mismatch', `first fragment (${chunk} bytes) exceeds declared ${header.packetBytes}`);
          skipping.add(connId);
          return;
        }
        const buf = Buffer.allocUnsafe(header.packetBytes);
        frame.copy(buf, 0, 1);
        partials.set(connId, { buf, filled: chunk });
      };

      const more = (connId: number, flags: number, frame: Buffer): void => {
        const last = (flags & FLAG_LAST) !== 0;
        if (skipping.has(connId)) {
          if (last) skipping.delete(connId);
          return;
        }
        const partial = partials.get(connId);
        if (partial === undefined) {
          fail(connId, 'bad-fragment', 'continuation fragment without a first fragment');
          if (!last) skipping.add(connId);
          return;
        }
        const chunk = frame.length - 1;
        if (partial.filled + chunk > partial.buf.length) {
          fail(connId, 'length-mismatch', `fragments exceed the declared ${partial.buf.length} bytes`);
          if (!last) skipping.add(connId);
          return;
        }
        frame.copy(partial.buf, partial.filled, 1);
        partial.filled += chunk;
        if (!last) return;
        partials.delete(connId);
        if (partial.filled !== partial.buf.length) {
          fail(connId, 'length-mismatch', `packet declares ${partial.buf.length} bytes, fragments held ${partial.filled}`);
        } else {
          subscriber.next({ type: 'packet', connId, bytes: partial.buf });
        }
      };

      const sub = source.subscribe({
        next({ flags, payload }) {
          if (payload.length < 1) {
            subscriber.next({ type: 'error', connId: -1, error: 'malformed', detail: 'empty MQTT frame (no connection id)' });
            return;
          }
          const connId = payload[0];
          if (flags & FLAG_FIRST) first(connId, flags, payload);
          else more(connId, flags, payload);
          watchStall(connId);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        for (const t of stallTimers.values()) t.unsubscribe();
        sub.unsubscribe();
      };
    });
}
