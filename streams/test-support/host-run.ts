import { expect } from 'vitest';
import { Subject, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { linkEndpoint, type LinkInput } from '../link/link-endpoint.js';
import { Channel, CtrlType, Role } from '../link/protocol.js';
import { decodeCtrl, encodeCtrl } from '../link/ctrl-codec.js';

/** The application's command to open connection `connId` (a sequenced CTRL frame). */
export const open = (connId: number) => ({ type: 'send', channel: Channel.CTRL, payload: encodeCtrl({ type: 'open', connId, url: `tcp://b${connId}` }) }) as const;

/** A whole one-packet MQTT frame (a PINGREQ) from the board, acknowledging nothing. */
export const mqttFrame = (seq: number): LinkInput => ({ type: 'frame', frame: { channel: Channel.MQTT, flags: 3, seq, ack: 0, credit: 4, payload: Buffer.of(1, 0xc0, 0) } });

export interface HostRun {
  /** Every frame the host sent after the handshake, as "time:kind:ack" (kind A = ACK, C = CTRL). */
  sent: string[];
  /** When the host's endpoint set up a timer (scheduler.schedule calls), handshake included. */
  timers: number[];
}

/**
 * A host endpoint (ackDelayMs 10) in virtual time: `marbles` says when things happen, 'h' being
 * the board's HELLO that brings the link up and every other letter handed to `at` to feed
 * frames or commands.
 */
export function hostRun(window: number, marbles: string, at: (letter: string, input: Subject<LinkInput>) => void): HostRun {
  const sent: string[] = [];
  const timers: number[] = [];
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.run(({ cold }) => {
    const input = new Subject<LinkInput>();
    let hostNonce = 0;
    const counting: SchedulerLike = { now: () => scheduler.now(), schedule: (...args: Parameters<SchedulerLike['schedule']>) => (timers.push(scheduler.now()), scheduler.schedule(...args)) };
    const sub = input
      .pipe(linkEndpoint({ role: Role.HOST, id: 'host', firmware: 't', mtu: 256, window, ackDelayMs: 10, helloIntervalMs: 60_000, pingIntervalMs: 60_000, scheduler: counting }))
      .subscribe((o) => {
        if (o.type !== 'tx') return;
        const h = o.frame.payload[0] === CtrlType.HELLO ? decodeCtrl(o.frame.payload) : undefined;
        if (h && typeof h !== 'string' && h.type === 'hello') hostNonce ||= h.nonce;
        else sent.push(`${scheduler.now()}:${o.frame.channel === Channel.ACK ? 'A' : 'C'}:${o.frame.ack}`);
      });
    const hello = () => encodeCtrl({ type: 'hello', linkVersion: 1, role: Role.BOARD, synced: false, epoch: 7, nonce: 42, echo: hostNonce, mtu: 64, window: 4, id: 'b', firmware: 'f' });
    cold(marbles).subscribe((v) => {
      if (v === 'h') input.next({ type: 'frame', frame: { channel: Channel.CTRL, flags: 3, seq: 0, ack: 0, credit: 4, payload: hello() } });
      else at(v, input);
    });
    scheduler.schedule(() => sub.unsubscribe(), 3000); // its timers would run on forever
  });
  return { sent, timers };
}

/** The ACK frames of a hostRun, as "time:ack". */
export const hostAcks = (...args: Parameters<typeof hostRun>): string[] =>
  hostRun(...args).sent.flatMap((f) => (f.split(':')[1] === 'A' ? [f.replace(':A', '')] : []));
