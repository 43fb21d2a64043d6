import { filter, lastValueFrom, map, mergeMap, share, Subject, toArray } from 'rxjs';
import { linkOverLine, type ByteLine } from '../../../streams/link/link-over-line.js';
import type { LinkCommand, LinkOutput } from '../../../streams/link/link-endpoint.js';
import type { LinkStats } from '../../../streams/link/link-stats.js';
import { Channel, type Role } from '../../../streams/link/protocol.js';
import { reassembleMqtt } from '../../../streams/mqtt/mqtt-reassemble.js';

export interface LinkEnd {
  /** Resolves when the link is up. */
  readonly up: Promise<void>;
  /** MQTT packets received, reassembled, in arrival order. */
  readonly packets: readonly Buffer[];
  /** Resolves once `count` packets have arrived; the timeout is only a safety net. */
  received(count: number, timeoutMs?: number): Promise<void>;
  sendMqtt(connId: number, packet: Buffer): void;
  /** Stops the endpoint; resolves with its final stats. */
  stop(): Promise<LinkStats>;
}

/** A real link endpoint (linkOverLine) on a line, collecting the MQTT packets it receives. */
export function startLinkEnd(line: ByteLine, options: { role: Role; id: string; mtu: number; window: number }): LinkEnd {
  const commands = new Subject<LinkCommand>();
  const packets: Buffer[] = [];
  const waiters = new Set<() => void>();
  const out$ = linkOverLine(line, commands, { ...options, firmware: 'test' }).pipe(share());
  const all = lastValueFrom(out$.pipe(toArray()));
  const up = new Promise<void>((resolve) => out$.pipe(filter((o) => o.type === 'up')).subscribe(() => resolve()));
  out$
    .pipe(
      filter((o): o is Extract<LinkOutput, { type: 'deliver' }> => o.type === 'deliver' && o.channel === Channel.MQTT),
      // The delivered payload is a view into the deframer's buffer: keep a copy.
      map((o) => ({ flags: o.flags, payload: Buffer.from(o.payload) })),
      reassembleMqtt({ maxPacketBytes: 1 << 20 }),
      mergeMap((m) => {
        if (m.type === 'error') throw new Error(`${options.id}: reassembly failed: ${m.error}: ${m.detail}`);
        return [m.bytes];
      }),
    )
    .subscribe((bytes) => {
      packets.push(bytes);
      for (const check of [...waiters]) check();
    });

  return {
    up,
    packets,
    received(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${options.id} received ${packets.length} of ${count} packets within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (packets.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    sendMqtt: (connId, packet) => commands.next({ type: 'send-mqtt', connId, packet }),
    async stop() {
      commands.complete();
      const outputs = await all;
      const last = outputs.filter((o): o is Extract<LinkOutput, { type: 'stats' }> => o.type === 'stats').pop();
      if (!last) throw new Error(`${options.id}: no final stats`);
      return last.stats;
    },
  };
}
