import { describe, expect, it } from 'vitest';
import { filter, map, share, Subject, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { linkEndpoint, type LinkInput, type LinkOutput } from './link-endpoint.js';
import { Channel, CtrlType, Role } from './protocol.js';
import { decodeCtrl, encodeCtrl } from './ctrl-codec.js';
import { createLinkPair, type LineFault } from '../test-support/link-harness.js';
import { open } from '../test-support/host-run.js';

const deliveredCtrl = (side: { of(t: 'deliver'): { channel: number; payload: Buffer }[] }) =>
  side.of('deliver').filter((d) => d.channel === Channel.CTRL).map((d) => decodeCtrl(d.payload));
const openIds = (side: Parameters<typeof deliveredCtrl>[0]) =>
  deliveredCtrl(side).flatMap((m) => (typeof m !== 'string' && m.type === 'open' ? [m.connId] : []));


describe('linkEndpoint (marbles, virtual time)', () => {
  const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

  it('sends HELLO at once and again every helloIntervalMs while nobody answers', () => {
    ts().run(({ cold, expectObservable }) => {
      const input = cold<LinkInput>('-');
      const hellos = input.pipe(
        linkEndpoint({ role: Role.HOST, id: 'host', firmware: 't', mtu: 256, window: 4, helloIntervalMs: 500 }),
        filter((o) => o.type === 'tx' && o.frame.channel === Channel.CTRL && o.frame.payload[0] === CtrlType.HELLO),
        map(() => 'h'),
      );
      expectObservable(hellos, '^ 1600ms !').toBe('h 499ms h 499ms h 499ms h');
    });
  });

  it('retransmits an unacknowledged frame after 500, 1000 and 2000 ms (RTO back-off)', () => {
    ts().run(({ cold, expectObservable }) => {
      const input = new Subject<LinkInput>();
      let hostNonce = 0;
      const out = input.pipe(
        linkEndpoint({ role: Role.HOST, id: 'host', firmware: 't', mtu: 256, window: 4, helloIntervalMs: 60_000, pingIntervalMs: 60_000 }),
        tap((o) => {
          if (o.type !== 'tx' || o.frame.payload[0] !== CtrlType.HELLO) return;
          const h = decodeCtrl(o.frame.payload);
          if (typeof h !== 'string' && h.type === 'hello' && !hostNonce) hostNonce = h.nonce;
        }),
        share(),
      );
      const boardHello = () =>
        encodeCtrl({ type: 'hello', linkVersion: 1, role: Role.BOARD, synced: false, epoch: 7, nonce: 42, echo: hostNonce, mtu: 64, window: 4, id: 'b', firmware: 'f' });
      // The board answers the HELLO at 1 ms, the host sends OPEN at 3 ms, then the line is silent.
      cold('-h-s').subscribe((v) =>
        input.next(v === 'h' ? { type: 'frame', frame: { channel: Channel.CTRL, flags: 3, seq: 0, ack: 0, credit: 4, payload: boardHello() } } : open(1)),
      );
      const kinds = out.pipe(
        filter((o): o is Extract<LinkOutput, { type: 'tx' }> => o.type === 'tx'),
        map((o) => (o.frame.payload[0] === CtrlType.HELLO ? 'H' : 'C')),
      );
      expectObservable(kinds, '^ 4000ms !').toBe('HH-C 499ms C 999ms C 1999ms C');
    });
  });

  it('passes console lines and drop reports through, and completes with final stats', () => {
    ts().run(({ cold, expectObservable }) => {
      const input = cold<LinkInput>('-c-d-|', {
        c: { type: 'console', text: 'boot' },
        d: { type: 'dropped', reason: 'crc', bytes: 12 },
      });
      const out = input.pipe(
        linkEndpoint({ role: Role.HOST, id: 'host', firmware: 't', mtu: 256, window: 4, helloIntervalMs: 10_000 }),
        filter((o) => o.type !== 'tx'),
        map((o) => (o.type === 'stats' ? `stats:${o.stats.consoleLines}/${o.stats.dropped.crc}` : o.type)),
      );
      expectObservable(out).toBe('-c-d-(s|)', { c: 'console', d: 'dropped', s: 'stats:1/1' });
    });
  });

  it('refuses nonsense options with an error naming the field', () => {
    expect(() => linkEndpoint({ role: Role.HOST, id: 'h', firmware: 't', mtu: 8, window: 4 })).toThrow(/mtu/);
    expect(() => linkEndpoint({ role: Role.HOST, id: 'h', firmware: 't', mtu: 64, window: 200 })).toThrow(/window/);
  });

  it('rejects sends while the link is down instead of queueing them forever', () => {
    const rejected: string[] = [];
    const input = new Subject<LinkInput>();
    const sub = input
      .pipe(linkEndpoint({ role: Role.HOST, id: 'h', firmware: 't', mtu: 64, window: 4, helloIntervalMs: 60_000 }))
      .subscribe((o) => o.type === 'rejected' && rejected.push(o.reason));
    input.next({ type: 'send-mqtt', connId: 1, packet: Buffer.from([0xc0, 0x00]) });
    input.next(open(1));
    sub.unsubscribe();
    expect(rejected).toEqual(['link is not up', 'no peer yet']);
  });
});

describe('linkEndpoint pair over a simulated line', () => {
  it('handshakes: both sides come up once, first contact', () => {
    const p = createLinkPair();
    p.advance(100);
    expect(p.A.of('up').map((u) => [u.cause, u.peer.id])).toEqual([['first', 'B']]);
    expect(p.B.of('up').map((u) => [u.cause, u.peer.id])).toEqual([['first', 'A']]);
    p.stop();
  });

  it('comes up even when both HELLOs cross and the first answers are lost', () => {
    let lostHellos = 0;
    const line: LineFault = (wire, frame) => (frame.channel === Channel.CTRL && frame.payload[0] === CtrlType.HELLO && lostHellos++ < 3 ? [] : [wire]);
    const p = createLinkPair({ line });
    p.advance(3000);
    expect(p.A.of('up')).toHaveLength(1);
    expect(p.B.of('up')).toHaveLength(1);
    p.A.send(open(1));
    p.advance(100);
    expect(openIds(p.B)).toEqual([1]);
    p.stop();
  });

  it('delivers in order across sequence wrap-around (600 messages, window 8)', () => {
    const p = createLinkPair();
    p.advance(50);
    for (let i = 0; i < 600; i++) p.A.send(open(i % 256));
    p.advance(5000);
    expect(openIds(p.B)).toEqual(Array.from({ length: 600 }, (_, i) => i % 256));
    expect(p.A.of('down')).toEqual([]);
    p.stop();
  });

  it('suppresses duplicates: every frame sent twice is delivered once', () => {
    const p = createLinkPair({ line: (w) => [w, w] });
    p.advance(50);
    for (let i = 0; i < 40; i++) p.A.send(open(i));
    p.advance(2000);
    expect(openIds(p.B)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    p.stop();
  });

  it('retransmits a lost frame, quickly when a later frame reveals the gap', () => {
    let n = 0;
    const line: LineFault = (w, frame, from) => (from === 'A' && frame.channel === Channel.CTRL && frame.payload[0] === CtrlType.OPEN && n++ === 0 ? [] : [w]);
    const p = createLinkPair({ line });
    p.advance(50);
    const t0 = p.scheduler.now();
    p.A.send(open(1));
    p.A.send(open(2));
    p.advance(2000);
    expect(openIds(p.B)).toEqual([1, 2]);
    const resent = p.A.outputs.filter((o) => o.at >= t0 && o.out.type === 'tx' && o.out.frame.seq === 0 && o.out.frame.channel === Channel.CTRL);
    // The GAP report from B triggers the resend within a few line delays, long before the RTO.
    expect(resent.length).toBeGreaterThanOrEqual(2);
    expect(resent[1].at - t0).toBeLessThan(50);
    p.stop();
  });

  it('declares the link broken after maxRetries, then resynchronises when the line returns', () => {
    const p = createLinkPair({ a: { maxRetries: 3 } });
    p.advance(50);
    p.setLine(() => []);
    p.A.send(open(7));
    p.advance(20_000);
    const down = p.A.of('down');
    expect(down.map((d) => d.cause)).toEqual(['broken']);
    expect(p.A.outputs.filter((o) => o.out.type === 'stats').at(-1)?.out).toMatchObject({ stats: { broken: 1 } });
    p.setLine((w) => [w]);
    p.advance(2000);
    expect(p.A.of('up').map((u) => u.cause)).toEqual(['first', 'resync']);
    // B's own PINGs went unanswered too: both sides ended the session, both resynchronised.
    expect(p.B.of('down').map((d) => d.cause)).toEqual(['broken']);
    expect(p.B.of('up').map((u) => u.cause)).toEqual(['first', 'resync']);
    expect(openIds(p.B)).toEqual([]);
    p.stop();
  });

  it('ends the session on both sides when only one side saw the line break', () => {
    // Only A -> B is cut, for long enough that A gives up but B (idle, its PINGs acked) does not.
    const p = createLinkPair({ a: { maxRetries: 2 }, b: { pingIntervalMs: 60_000 } });
    p.advance(50);
    p.setLine((w, _f, from) => (from === 'A' ? [] : [w]));
    p.A.send(open(7));
    p.advance(5000);
    expect(p.A.of('down').map((d) => d.cause)).toEqual(['broken']);
    p.setLine((w) => [w]);
    p.advance(2000);
    expect(p.B.of('down').map((d) => d.cause)).toEqual(['peer-reset']);
    expect(p.A.of('up').map((u) => u.cause)).toEqual(['first', 'resync']);
    expect(p.B.of('up').map((u) => u.cause)).toEqual(['first', 'resync']);
    p.stop();
  });

  it('notices a dead peer on an idle link through PING', () => {
    const p = createLinkPair({ a: { maxRetries: 2, pingIntervalMs: 1000 } });
    p.advance(50);
    p.setLine(() => []);
    p.advance(15_000);
    expect(p.A.of('down').map((d) => d.cause)).toEqual(['broken']);
    p.stop();
  });

  it('tells a reboot from a resync: new epoch -> peer-reboot, everything of the old session dead', () => {
    const p = createLinkPair({ b: { epoch: 0x1111 } });
    p.advance(50);
    p.B.reboot(0x2222);
    p.advance(1000);
    expect(p.A.of('down').map((d) => d.cause)).toEqual(['peer-reboot']);
    expect(p.A.of('up').map((u) => u.cause)).toEqual(['first', 'reboot']);
    p.A.send(open(3));
    p.advance(100);
    expect(openIds(p.B)).toEqual([3]);
    p.stop();
  });

  it('stops at zero credit and resumes when the receiver consumes', () => {
    const p = createLinkPair({ b: { window: 2, autoConsume: false } });
    p.advance(50);
    for (let i = 0; i < 5; i++) p.A.send(open(i));
    p.advance(3000);
    expect(openIds(p.B)).toEqual([0, 1]);
    p.B.send({ type: 'consumed', frames: 2 });
    p.advance(100);
    expect(openIds(p.B)).toEqual([0, 1, 2, 3]);
    p.B.send({ type: 'consumed', frames: 2 });
    p.advance(100);
    expect(openIds(p.B)).toEqual([0, 1, 2, 3, 4]);
    expect(p.B.outputs.filter((o) => o.out.type === 'stats').every((o) => o.out.type === 'stats' && o.out.stats.overruns === 0)).toBe(true);
    p.stop();
  });

  it('does not deadlock when the credit update is lost: the sender polls', () => {
    let dropUpdates = false;
    const line: LineFault = (w, frame, from) => (dropUpdates && from === 'B' && frame.channel === Channel.ACK ? [] : [w]);
    const p = createLinkPair({ line, b: { window: 1, autoConsume: false } });
    p.advance(50);
    p.A.send(open(1));
    p.A.send(open(2));
    p.advance(500);
    expect(openIds(p.B)).toEqual([1]);
    dropUpdates = true;
    p.B.send({ type: 'consumed', frames: 1 }); // this window update is lost
    p.advance(20);
    dropUpdates = false;
    p.advance(5000);
    expect(openIds(p.B)).toEqual([1, 2]);
    expect(p.A.outputs.some((o) => o.out.type === 'tx' && o.out.frame.channel === Channel.ACK && o.out.frame.payload[0] === 1)).toBe(true);
    expect(p.A.of('down')).toEqual([]);
    p.stop();
  });

  it('never lets LOG and TIME wait for credit', () => {
    const p = createLinkPair({ b: { window: 1, autoConsume: false } });
    p.advance(50);
    p.A.send(open(1));
    p.A.send(open(2)); // stuck: no credit
    p.advance(100);
    p.A.send({ type: 'send', channel: Channel.LOG, payload: Buffer.from('still talking') });
    p.advance(10);
    const logs = p.B.of('deliver').filter((d) => d.channel === Channel.LOG).map((d) => d.payload.toString());
    expect(logs).toEqual(['still talking']);
    expect(openIds(p.B)).toEqual([1]);
    p.stop();
  });

  it('does not let PINGs starve MQTT when the round trip is longer than the PING interval', () => {
    // 700 ms each way and a window of 1: before, a PING was queued every second at CTRL
    // priority whatever the backlog, and the MQTT packets never got through.
    const p = createLinkPair({ delayMs: 700, b: { window: 1 }, a: { pingIntervalMs: 1000 } });
    p.advance(3000);
    const start = p.scheduler.now();
    for (let i = 0; i < 20; i++) p.A.send({ type: 'send-mqtt', connId: 1, packet: Buffer.from([0x30, 0x01, i]) });
    p.advance(60_000);
    const mqtt = p.B.of('deliver').filter((d) => d.channel === Channel.MQTT);
    expect(mqtt.map((d) => d.payload[3])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const lastMqtt = p.A.outputs.filter((o) => o.out.type === 'tx' && o.out.frame.channel === Channel.MQTT).at(-1)?.at ?? 0;
    const pingsDuringBacklog = p.A.outputs.filter(
      (o) => o.at >= start && o.at < lastMqtt && o.out.type === 'tx' && o.out.frame.channel === Channel.CTRL && o.out.frame.payload[0] === CtrlType.PING,
    );
    expect(pingsDuringBacklog).toEqual([]);
    p.stop();
  });

  it('lets acks and PINGRESP overtake queued PUBLISHes, never reordering either among themselves', () => {
    const p = createLinkPair({ b: { window: 1 } });
    p.advance(50);
    const publish = (i: number) => Buffer.from([0x30, 0x03, 0x00, 0x01, 0x70 + i]);
    for (let i = 0; i < 4; i++) p.A.send({ type: 'send-mqtt', connId: 1, packet: publish(i) });
    p.A.send({ type: 'send-mqtt', connId: 1, packet: Buffer.from([0x40, 0x02, 0x00, 0x07]) }); // PUBACK
    p.A.send({ type: 'send-mqtt', connId: 1, packet: Buffer.from([0xd0, 0x00]) }); // PINGRESP
    p.advance(2000);
    const order = p.B.of('deliver')
      .filter((d) => d.channel === Channel.MQTT)
      .map((d) => (d.payload[1] >> 4 === 3 ? `pub${d.payload[5] - 0x70}` : d.payload[1] === 0x40 ? 'puback' : 'pingresp'));
    // The first PUBLISH was already in flight; the small packets go next, in their own order.
    expect(order).toEqual(['pub0', 'puback', 'pingresp', 'pub1', 'pub2', 'pub3']);
    p.stop();
  });

  it('never lets a DISCONNECT or a CLOSE overtake the packets queued before it', () => {
    const p = createLinkPair({ b: { window: 1 } });
    p.advance(50);
    for (let i = 0; i < 3; i++) p.A.send({ type: 'send-mqtt', connId: 2, packet: Buffer.from([0x30, 0x03, 0x00, 0x01, 0x70 + i]) });
    p.A.send({ type: 'send-mqtt', connId: 2, packet: Buffer.from([0xe0, 0x00]) }); // DISCONNECT
    p.A.send({ type: 'send', channel: Channel.CTRL, payload: encodeCtrl({ type: 'close', connId: 2 }) });
    p.advance(2000);
    const order = p.B.of('deliver').map((d) => (d.channel === Channel.CTRL ? 'close' : d.payload[1] === 0xe0 ? 'disconnect' : `pub${d.payload[5] - 0x70}`));
    expect(order).toEqual(['pub0', 'pub1', 'pub2', 'disconnect', 'close']);
    p.stop();
  });

  it('says congested when the queue toward the peer passes its bound, and clear once it drains', () => {
    const p = createLinkPair({ a: { queueBytes: 400 }, b: { window: 1, autoConsume: false } });
    p.advance(50);
    for (let i = 0; i < 10; i++) p.A.send({ type: 'send-mqtt', connId: 1, packet: Buffer.concat([Buffer.from([0x30, 98, 0, 1, 0x74]), Buffer.alloc(95, i)]) });
    p.advance(100);
    expect(p.A.of('congestion').map((c) => c.congested)).toEqual([true]);
    for (let i = 0; i < 10; i++) {
      p.B.send({ type: 'consumed', frames: 1 });
      p.advance(50);
    }
    expect(p.A.of('congestion').map((c) => [c.congested, c.queuedBytes <= 200])).toEqual([[true, false], [false, true]]);
    expect(p.B.of('deliver').filter((d) => d.channel === Channel.MQTT)).toHaveLength(10);
    p.stop();
  });

  it('carries MQTT packets larger than the MTU as fragments', () => {
    const p = createLinkPair({ b: { mtu: 32 } });
    p.advance(50);
    const packet = Buffer.concat([Buffer.from([0x30, 0xe8, 0x07]), Buffer.alloc(1000, 7)]);
    p.A.send({ type: 'send-mqtt', connId: 4, packet });
    p.advance(2000);
    const frames = p.B.of('deliver').filter((d) => d.channel === Channel.MQTT);
    expect(frames.length).toBe(Math.ceil(packet.length / 31));
    expect(frames.every((f) => f.payload.length <= 32 && f.payload[0] === 4)).toBe(true);
    expect(Buffer.concat(frames.map((f) => f.payload.subarray(1))).equals(packet)).toBe(true);
    p.stop();
  });
});
