import { describe, expect, it } from 'vitest';
import type { PacketCapture } from './capture-types.js';
import { flowSegments } from './flow-segments.js';

type Up = [bigint, bigint, bigint, bigint, bigint, bigint];
type Down = [bigint, bigint, bigint, bigint];

const upCapture = (connId: number, cmd: string, s: Up, extra: { packetId?: number; qos?: number } = {}): PacketCapture => ({
  dir: 'to-broker',
  connId,
  cmd,
  ...extra,
  length: 4,
  bytes: Buffer.alloc(4),
  stamps: { serialFirst: s[0], serialLast: s[1], decoded: s[2], parsed: s[3], writeCalled: s[4], flushed: s[5] },
});

const downCapture = (connId: number, cmd: string, s: Down, extra: { packetId?: number; qos?: number } = {}): PacketCapture => ({
  dir: 'to-board',
  connId,
  cmd,
  ...extra,
  length: 4,
  bytes: Buffer.alloc(4),
  stamps: { brokerReceived: s[0], parsed: s[1], serialQueued: s[2], serialDrained: s[3] },
});

const sum = (segments: Record<string, number | undefined>) => Object.values(segments).reduce<number>((a, b) => a + (b ?? 0), 0);

describe('flowSegments', () => {
  it('splits a QoS 1 publish into serial in, bridge in, broker, bridge out, serial out', () => {
    const r = flowSegments([
      upCapture(1, 'publish', [1000n, 1100n, 1150n, 1160n, 1170n, 1200n], { packetId: 7, qos: 1 }),
      downCapture(1, 'puback', [1500n, 1510n, 1520n, 1700n], { packetId: 7 }),
    ]);
    expect(r.start).toBe(1000n);
    expect(r.end).toBe(1700n);
    expect(r.segments).toEqual({ serialIn: 100, bridgeIn: 100, broker: 300, bridgeOut: 20, serialOut: 180 });
    expect(sum(r.segments)).toBe(700);
  });

  it("charges the board's turn between an answer on the line and its next packet", () => {
    const r = flowSegments([
      upCapture(1, 'publish', [0n, 10n, 11n, 12n, 13n, 15n], { packetId: 2, qos: 2 }),
      downCapture(1, 'pubrec', [40n, 41n, 43n, 50n], { packetId: 2 }),
      upCapture(1, 'pubrel', [80n, 82n, 83n, 84n, 85n, 86n], { packetId: 2 }),
      downCapture(1, 'pubcomp', [100n, 101n, 102n, 110n], { packetId: 2 }),
    ]);
    expect(r.segments).toEqual({
      serialIn: 10 + 2,
      bridgeIn: 5 + 4,
      broker: 25 + 14,
      bridgeOut: 3 + 2,
      serialOut: 7 + 8,
      board: 30,
    });
    expect(sum(r.segments)).toBe(110);
    expect([r.start, r.end]).toEqual([0n, 110n]);
  });

  it('starts a broker-initiated flow at the broker read', () => {
    const r = flowSegments([
      downCapture(3, 'publish', [500n, 505n, 510n, 600n], { packetId: 1, qos: 1 }),
      upCapture(3, 'puback', [650n, 660n, 661n, 662n, 663n, 670n], { packetId: 1 }),
    ]);
    expect(r).toEqual({ start: 500n, end: 670n, segments: { bridgeOut: 10, serialOut: 90, board: 50, serialIn: 10, bridgeIn: 10 } });
  });

  it('sums exactly beyond 2^32 ns (hrtime values are large)', () => {
    const t = 123_456_789_012_345n;
    const r = flowSegments([
      upCapture(1, 'pingreq', [t, t + 3n, t + 5n, t + 8n, t + 13n, t + 21n]),
      downCapture(1, 'pingresp', [t + 5_000_000_034n, t + 5_000_000_055n, t + 5_000_000_089n, t + 5_000_000_144n]),
    ]);
    expect(sum(r.segments)).toBe(Number(r.end - r.start));
    expect(r.segments.broker).toBe(5_000_000_013);
  });
});
