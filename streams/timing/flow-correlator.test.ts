import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { FlowRecord, PacketCapture } from './capture-types.js';
import { correlateFlows, type FlowEvent } from './flow-correlator.js';

/**
 * Synthetic captures with increasing stamps: each packet's stamps are `at`, `at + 1`, ... so
 * a board packet spans 5 ns and a broker packet 3 ns, and the gaps are the test's choice.
 */
const up = (connId: number, cmd: string, at: number, extra: { packetId?: number; qos?: number } = {}): PacketCapture => {
  const t = BigInt(at);
  return {
    dir: 'to-broker',
    connId,
    cmd,
    ...extra,
    length: 2,
    bytes: Buffer.alloc(2),
    stamps: { serialFirst: t, serialLast: t + 2n, decoded: t + 3n, parsed: t + 4n, writeCalled: t + 5n, flushed: t + 6n },
  };
};
const down = (connId: number, cmd: string, at: number, extra: { packetId?: number; qos?: number } = {}): PacketCapture => {
  const t = BigInt(at);
  return {
    dir: 'to-board',
    connId,
    cmd,
    ...extra,
    length: 2,
    bytes: Buffer.alloc(2),
    stamps: { brokerReceived: t, parsed: t + 1n, serialQueued: t + 2n, serialDrained: t + 10n },
  };
};

const correlate = (captures: PacketCapture[]): Promise<FlowEvent[]> => lastValueFrom(from(captures).pipe(correlateFlows(), toArray()));
const records = (events: FlowEvent[]): FlowRecord[] => events.flatMap((e) => (e.type === 'flow' ? [e.record] : []));
const sum = (r: FlowRecord) => Object.values(r.segments).reduce<number>((a, b) => a + (b ?? 0), 0);

describe('correlateFlows', () => {
  it('closes a QoS 1 publish at its PUBACK, with segments summing exactly to totalNs', async () => {
    const events = await correlate([up(1, 'publish', 1000, { packetId: 7, qos: 1 }), down(1, 'puback', 1100, { packetId: 7 })]);
    expect(events).toEqual([
      {
        type: 'flow',
        record: {
          flow: 'publish-qos1',
          connId: 1,
          packetId: 7,
          start: 1000n,
          end: 1110n,
          totalNs: 110,
          // serialIn 1000->1002, bridgeIn 1002->1006, broker 1006->1100, bridgeOut 1100->1102, serialOut 1102->1110
          segments: { serialIn: 2, bridgeIn: 4, broker: 94, bridgeOut: 2, serialOut: 8 },
        },
      },
    ]);
    expect(sum(records(events)[0])).toBe(110);
  });

  it("closes a QoS 2 publish after four packets, charging the board's turn", async () => {
    const events = await correlate([
      up(1, 'publish', 0, { packetId: 9, qos: 2 }),
      down(1, 'pubrec', 100, { packetId: 9 }),
      up(1, 'pubrel', 150, { packetId: 9 }),
      down(1, 'pubcomp', 200, { packetId: 9 }),
    ]);
    const [r] = records(events);
    expect(events).toHaveLength(1);
    expect(r.flow).toBe('publish-qos2');
    expect(r.segments).toEqual({ serialIn: 4, bridgeIn: 8, broker: 94 + 44, bridgeOut: 4, serialOut: 16, board: 40 });
    expect([r.start, r.end, r.totalNs]).toEqual([0n, 210n, 210]);
    expect(sum(r)).toBe(r.totalNs);
  });

  it('closes broker-initiated deliveries at QoS 1 and 2', async () => {
    const events = await correlate([
      down(2, 'publish', 0, { packetId: 3, qos: 1 }),
      up(2, 'puback', 30, { packetId: 3 }),
      down(2, 'publish', 100, { packetId: 4, qos: 2 }),
      up(2, 'pubrec', 130, { packetId: 4 }),
      down(2, 'pubrel', 160, { packetId: 4 }),
      up(2, 'pubcomp', 190, { packetId: 4 }),
    ]);
    const rs = records(events);
    expect(rs.map((r) => [r.flow, r.packetId, r.start, r.end])).toEqual([
      ['deliver-qos1', 3, 0n, 36n],
      ['deliver-qos2', 4, 100n, 196n],
    ]);
    expect(rs[0].segments).toEqual({ bridgeOut: 2, serialOut: 8, board: 20, serialIn: 2, bridgeIn: 4 });
    expect(rs[1].segments).toEqual({ bridgeOut: 4, serialOut: 16, board: 40, serialIn: 4, bridgeIn: 8, broker: 24 });
    for (const r of rs) expect(sum(r)).toBe(r.totalNs);
  });

  it('closes connect, subscribe, unsubscribe and ping at their answers', async () => {
    const events = await correlate([
      up(1, 'connect', 0),
      down(1, 'connack', 50),
      up(1, 'subscribe', 100, { packetId: 1 }),
      down(1, 'suback', 150, { packetId: 1 }),
      up(1, 'unsubscribe', 200, { packetId: 2 }),
      down(1, 'unsuback', 250, { packetId: 2 }),
      up(1, 'pingreq', 300),
      down(1, 'pingresp', 350),
    ]);
    expect(records(events).map((r) => [r.flow, r.packetId, r.start, r.end, r.totalNs])).toEqual([
      ['connect', undefined, 0n, 60n, 60],
      ['subscribe', 1, 100n, 160n, 60],
      ['unsubscribe', 2, 200n, 260n, 60],
      ['ping', undefined, 300n, 360n, 60],
    ]);
    expect(records(events)[0]).not.toHaveProperty('packetId');
  });

  it("keeps the board's PUBLISH 5 and the broker's PUBLISH 5 apart", async () => {
    const events = await correlate([
      up(1, 'publish', 0, { packetId: 5, qos: 1 }),
      down(1, 'publish', 10, { packetId: 5, qos: 1 }),
      up(1, 'puback', 40, { packetId: 5 }),
      down(1, 'puback', 60, { packetId: 5 }),
    ]);
    expect(records(events).map((r) => [r.flow, r.start, r.end])).toEqual([
      ['deliver-qos1', 10n, 46n],
      ['publish-qos1', 0n, 70n],
    ]);
  });

  it('opens no flow for a QoS 0 publish (and nothing waits for it)', async () => {
    expect(await correlate([up(1, 'publish', 0, { qos: 0 }), down(1, 'publish', 10, { qos: 0 })])).toEqual([]);
  });

  it('ignores answers nobody asked for', async () => {
    expect(await correlate([down(1, 'puback', 0, { packetId: 1 }), down(1, 'pingresp', 5), up(1, 'pubcomp', 9, { packetId: 2 })])).toEqual([]);
  });

  it('reports a flow whose answer never came as unclosed on completion', async () => {
    const events = await correlate([up(1, 'publish', 0, { packetId: 8, qos: 2 }), down(1, 'pubrec', 10, { packetId: 8 }), up(1, 'pingreq', 20)]);
    expect(events).toEqual([
      { type: 'unclosed', flow: 'publish-qos2', connId: 1, packetId: 8, packets: 2 },
      { type: 'unclosed', flow: 'ping', connId: 1, packetId: undefined, packets: 1 },
    ]);
  });

  it('abandons the open flows of a connection at its next CONNECT', async () => {
    const events = await correlate([
      up(11, 'subscribe', 0, { packetId: 1 }), // another connection, whose id starts with "1"
      up(1, 'connect', 0),
      up(1, 'publish', 10, { packetId: 3, qos: 1 }),
      up(1, 'connect', 20), // the board restarted its session
      down(1, 'puback', 30, { packetId: 3 }), // too late: not the new session's
      down(1, 'connack', 40),
      down(11, 'suback', 50, { packetId: 1 }),
    ]);
    expect(records(events).map((r) => [r.flow, r.connId, r.start])).toEqual([
      ['connect', 1, 20n],
      ['subscribe', 11, 0n],
    ]);
    expect(events.filter((e) => e.type === 'unclosed')).toEqual([
      { type: 'unclosed', flow: 'connect', connId: 1, packetId: undefined, packets: 1 },
      { type: 'unclosed', flow: 'publish-qos1', connId: 1, packetId: 3, packets: 1 },
    ]);
  });

  it('keeps two connections independent', async () => {
    const events = await correlate([
      up(1, 'publish', 0, { packetId: 1, qos: 1 }),
      up(2, 'publish', 5, { packetId: 1, qos: 1 }),
      up(2, 'pingreq', 6),
      down(2, 'puback', 20, { packetId: 1 }),
      down(1, 'pingresp', 25), // conn 1 sent no PINGREQ
      down(1, 'puback', 30, { packetId: 1 }),
    ]);
    expect(records(events).map((r) => [r.flow, r.connId, r.start, r.end])).toEqual([
      ['publish-qos1', 2, 5n, 30n],
      ['publish-qos1', 1, 0n, 40n],
    ]);
    expect(events.at(-1)).toEqual({ type: 'unclosed', flow: 'ping', connId: 2, packetId: undefined, packets: 1 });
  });
});

describe('correlateFlows (marbles)', () => {
  const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));
  const name = (e: FlowEvent) => (e.type === 'flow' ? e.record.flow : `unclosed:${e.flow}`);

  it('emits a flow when its last packet passes', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-p--a-|', { p: up(1, 'pingreq', 0), a: down(1, 'pingresp', 9) });
      expectObservable(src.pipe(correlateFlows(), map(name))).toBe('----f-|', { f: 'ping' });
    });
  });

  it('passes errors through without reporting unclosed flows', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('-p-#', { p: up(1, 'pingreq', 0) }, new Error('capture failed'));
      expectObservable(src.pipe(correlateFlows(), map(name))).toBe('---#', undefined, new Error('capture failed'));
    });
  });

  it('completes on empty, stays silent on never, and unsubscribes', () => {
    ts().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<PacketCapture>('|').pipe(correlateFlows())).toBe('|');
      const never = cold<PacketCapture>('-p-', { p: up(1, 'pingreq', 0) });
      expectObservable(never.pipe(correlateFlows()), '^--!').toBe('');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });
});
