import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { readFixedHeader } from './fixed-header.js';

export type RawMqttEvent =
  | { type: 'packet'; bytes: Buffer }
  | { type: 'error'; error: RawMqttError; detail: string };

export type RawMqttError = 'malformed' | 'too-large' | 'stalled';

export interface RawSplitOptions {
  maxPacketBytes: number;
  /** A packet begun but not finished for this long is an error (a peer stuck half-way). */
  stallTimeoutMs?: number;
  scheduler?: SchedulerLike;
}

/**
 * Raw mode: a plain MQTT byte stream with no framing -> whole packets. A raw stream cannot
 * resynchronise after a bad header, so after an error everything is discarded until the link
 * is reset, which is a new subscription.
 */
export function splitRawMqtt(options: RawSplitOptions): OperatorFunction<Buffer, RawMqttEvent> {
  const { maxPacketBytes, stallTimeoutMs } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<RawMqttEvent>((subscriber) => {
      let stub: Buffer | null = null; // the first bytes of a fixed header not yet complete
      let partial: { buf: Buffer; filled: number } | null = null; // a packet being filled
      let failed = false;
      let stallTimer: Subscription | undefined;

      const fail = (error: RawMqttError, detail: string): void => {
        failed = true;
        stub = null;
        partial = null;
        stallTimer?.unsubscribe();
        subscriber.next({ type: 'error', error, detail });
      };

      // Bytes arriving while a packet is unfinished move the deadline on. One timer, re-armed
      // only when it fires early: replacing it per read cost a flood more than the split.
      let progressAt = 0;
      const stalled = (): void => {
        stallTimer = undefined;
        if (failed || (stub === null && partial === null)) return;
        const idle = scheduler.now() - progressAt;
        if (idle < (stallTimeoutMs as number)) return void (stallTimer = scheduler.schedule(stalled, (stallTimeoutMs as number) - idle));
        const have = partial !== null ? `${partial.filled} of ${partial.buf.length}` : `${stub?.length ?? 0} header`;
        fail('stalled', `a packet stalled after ${have} bytes for ${stallTimeoutMs} ms`);
      };
      const watchStall = (): void => {
        if (stallTimeoutMs === undefined || failed) return;
        if (stub === null && partial === null) {
          stallTimer?.unsubscribe();
          stallTimer = undefined;
          return;
        }
        progressAt = scheduler.now();
        stallTimer ??= scheduler.schedule(stalled, stallTimeoutMs);
      };

      const split = (buf: Buffer, from: number): void => {
        let pos = from;
        while (pos < buf.length) {
          const header = readFixedHeader(buf, pos, buf.length);
          if (header === 'incomplete') {
            stub = Buffer.from(buf.subarray(pos));
            return;
          }
          if (header === 'malformed') return fail('malformed', 'invalid MQTT fixed header');
          if (header.packetBytes > maxPacketBytes) {
            return fail('too-large', `packet declares ${header.packetBytes} bytes, limit is ${maxPacketBytes}`);
          }
          const end = pos + header.packetBytes;
          if (end > buf.length) {
            const packet = Buffer.allocUnsafe(header.packetBytes);
            partial = { buf: packet, filled: buf.copy(packet, 0, pos) };
            return;
          }
          subscriber.next({ type: 'packet', bytes: buf.subarray(pos, end) });
          pos = end;
        }
      };

      const sub = source.subscribe({
        next(chunk) {
          if (failed) return;
          let pos = 0;
          if (partial !== null) {
            const p = partial;
            const n = chunk.copy(p.buf, p.filled, 0, Math.min(chunk.length, p.buf.length - p.filled));
            p.filled += n;
            if (p.filled < p.buf.length) return watchStall();
            partial = null;
            subscriber.next({ type: 'packet', bytes: p.buf });
            pos = n;
          }
          if (stub !== null) {
            const joined = Buffer.concat([stub, chunk.subarray(pos)]);
            stub = null;
            split(joined, 0);
          } else {
            split(chunk, pos);
          }
          watchStall();
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        stallTimer?.unsubscribe();
        sub.unsubscribe();
      };
    });
}
