import { describe, expect, it } from 'vitest';
import type { LinkInput } from './link-endpoint.js';
import { Channel } from './protocol.js';
import { hostAcks, hostRun, mqttFrame, open } from '../test-support/host-run.js';

// When the host endpoint acknowledges, and what its ACK and retransmission timers cost.
describe('linkEndpoint acknowledgements and timers (virtual time)', () => {
  // A 0 ms timer still fires a millisecond or more later: on a fast line, a sender that waits for
  // it to learn its credit idles (about 22 k frames/s with a window of 32).
  it('acknowledges at once when the peer has used half its credit, after ackDelayMs otherwise', () => {
    /** Bursts of board MQTT frames at 3 ms and 5 ms, to a host window of 4. */
    const acksFor = (first: number, second: number): string[] => {
      let seq = 0;
      return hostAcks(4, '-h-f-s', (v, input) => {
        for (let i = 0; i < (v === 'f' ? first : second); i++) input.next(mqttFrame(seq++));
      });
    };
    // One frame of a window of 4: the peer may still send 3, so the ACK waits for ackDelayMs.
    expect(acksFor(1, 0)).toEqual(['13:1']);
    // Two frames: the peer is down to half, and is told at once. One more, alone, waits again.
    expect(acksFor(2, 1)).toEqual(['3:2', '15:3']);
  });
  // Each ACK is a line write, and on a pty a write wakes the peer: three per read of 31 frames
  // made a QoS 0 flood's two processes take turns (protocol 4.4: one per read is enough).
  it('answers a read of many frames with one ACK, sent when the read is done', () => {
    /**
     * 6 frames at 3 ms to a host window of 8, in one read (`asOneRead`) or not, and with
     * `resent` the same 6 again at 5 ms (a retransmission whose ACK was lost: duplicates).
     */
    const acksFor = (asOneRead: boolean, resent = false): string[] =>
      hostAcks(8, resent ? '-h-f-f' : '-h-f', (_v, input) => {
        if (asOneRead) input.next({ type: 'read', open: true });
        for (let seq = 0; seq < 6; seq++) input.next(mqttFrame(seq));
        if (asOneRead) input.next({ type: 'read', open: false });
      });
    // Frame by frame: at half the window (4 of 8) at once, the last two after ackDelayMs.
    expect(acksFor(false)).toEqual(['3:4', '13:6']);
    // One read: one ACK for all six, when the read is done; 2 of 8 left, so at once.
    expect(acksFor(true)).toEqual(['3:6']);
    // Duplicates are each answered at once, but one read of them by one ACK.
    expect(acksFor(false, true)).toEqual(['3:4', '5:6', '5:6', '5:6', '5:6', '5:6', '5:6']);
    expect(acksFor(true, true)).toEqual(['3:6', '5:6']);
  });
  // A QoS 1 round trip over a pty is a frame each way: arming and cancelling the ACK and
  // retransmission timers per frame cost each process about 10 us of CPU per round trip.
  it('keeps its timers armed across a request/response exchange instead of one per frame', () => {
    // 40 rounds, 2 ms apart: a board frame (acking the host's OPENs so far), an OPEN back.
    const rounds = 40;
    let k = 0;
    const run = hostRun(8, '-h-' + 'r-'.repeat(rounds), (_v, input) => {
      input.next({ type: 'frame', frame: { channel: Channel.MQTT, flags: 3, seq: k, ack: k, credit: 8, payload: Buffer.of(1, 0xc0, 0) } });
      input.next(open(++k));
    });
    // Every OPEN carried the acknowledgement: no ACK went on its own, nothing was resent (the
    // last OPEN, never acknowledged, is resent later, after the exchange).
    const during = (t: number) => t <= 2 * rounds + 3;
    expect(run.sent.filter((f) => during(Number(f.split(':')[0]))).map((f) => f.split(':')[1]).join('')).toBe('C'.repeat(rounds));
    expect(run.timers.filter(during).length).toBeLessThan(rounds / 2);
  });
  it('still acknowledges ackDelayMs after the debt began when its timer was armed for an earlier one', () => {
    let seq = 0;
    // A board frame at 3 (timer armed for 13), the host's OPEN at 5 settles it, another board
    // frame at 7: owed from 7, so the ACK goes at 17, not when the timer armed at 3 fires.
    const acks = hostAcks(8, '-h-f-s-f', (v, input) => input.next(v === 'f' ? mqttFrame(seq++) : open(1)));
    expect(acks).toEqual(['17:2']);
  });
  it('retransmits at the deadline of the latest send, earlier than a backed-off timer still armed', () => {
    // OPEN 1 at 3 is lost: resent at 503, the RTO backed off to 1000 ms. The board acks it at
    // 600 (a resent frame gives no sample). OPEN 2 at 700 is acked at 710: a 10 ms sample, the
    // back-off reset, an RTO of 50 ms (its floor). OPEN 3 at 720 is lost: resent at 770, not
    // at 1503 when the timer armed at 503 fires.
    const ack = (n: number): LinkInput => ({ type: 'frame', frame: { channel: Channel.ACK, flags: 3, seq: 0, ack: n, credit: 8, payload: Buffer.alloc(0) } });
    const run = hostRun(8, '-h-s 596ms 1 99ms s 9ms 2 9ms s', (v, input) => input.next(v === 's' ? open(1) : ack(Number(v))));
    const ctrlTimes = run.sent.filter((f) => f.split(':')[1] === 'C').map((f) => Number(f.split(':')[0]));
    expect(ctrlTimes.slice(0, 5)).toEqual([3, 503, 700, 720, 770]);
  });
});
