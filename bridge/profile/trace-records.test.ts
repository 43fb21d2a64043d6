import { describe, expect, it } from 'vitest';
import type { FlowRecord, PacketCapture } from '../../streams/timing/capture-types.js';
import { traceFlow, tracePacket } from './trace-records.js';

const T0 = 1_000_000_000_000n;

describe('tracePacket', () => {
  it('writes stamps relative to t0 and the bytes in base64', () => {
    const bytes = Buffer.from([0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x07]);
    const c: PacketCapture = {
      dir: 'to-broker',
      connId: 3,
      cmd: 'publish',
      packetId: 7,
      qos: 1,
      length: 7,
      bytes,
      stamps: { serialFirst: T0 + 10n, serialLast: T0 + 20n, decoded: T0 + 25n, parsed: T0 + 30n, writeCalled: T0 + 31n, flushed: T0 + 5_000_000_000n },
    };
    const p = tracePacket(c, T0);
    expect(p).toEqual({
      kind: 'packet',
      conn: 3,
      dir: 'to-broker',
      cmd: 'publish',
      id: 7,
      qos: 1,
      len: 7,
      stamps: { serialFirst: 10, serialLast: 20, decoded: 25, parsed: 30, writeCalled: 31, flushed: 5_000_000_000 },
      raw: 'MgUAAXQABw==',
    });
    expect(Buffer.from(p.raw, 'base64')).toEqual(bytes);
    // Stamps keep their time order in the record.
    expect(Object.keys(p.stamps)).toEqual(['serialFirst', 'serialLast', 'decoded', 'parsed', 'writeCalled', 'flushed']);
  });

  it('leaves out id and qos when the packet has none, and allows stamps before t0', () => {
    const c: PacketCapture = {
      dir: 'to-board',
      connId: 0,
      cmd: 'pingresp',
      length: 2,
      bytes: Buffer.from([0xd0, 0x00]),
      stamps: { brokerReceived: T0 - 5n, parsed: T0, serialQueued: T0 + 1n, serialDrained: T0 + 2n },
    };
    const p = tracePacket(c, T0);
    expect(p).not.toHaveProperty('id');
    expect(p).not.toHaveProperty('qos');
    expect(p.stamps).toEqual({ brokerReceived: -5, parsed: 0, serialQueued: 1, serialDrained: 2 });
    expect(p.raw).toBe('0AA=');
  });
});

describe('traceFlow', () => {
  it('writes start and end relative to t0 and keeps only the segments present', () => {
    const f: FlowRecord = {
      flow: 'publish-qos1',
      connId: 1,
      packetId: 9,
      start: T0 + 100n,
      end: T0 + 800n,
      totalNs: 700,
      segments: { serialIn: 100, bridgeIn: 100, broker: 300, bridgeOut: 20, serialOut: 180, board: undefined },
    };
    const t = traceFlow(f, T0);
    expect(t).toEqual({ kind: 'flow', flow: 'publish-qos1', conn: 1, id: 9, start: 100, end: 800, totalNs: 700, segments: { serialIn: 100, bridgeIn: 100, broker: 300, bridgeOut: 20, serialOut: 180 } });
    expect(Object.keys(t.segments)).not.toContain('board');
  });

  it('leaves out the id of a flow without one', () => {
    const t = traceFlow({ flow: 'ping', connId: 2, start: T0, end: T0 + 5n, totalNs: 5, segments: { broker: 5 } }, T0);
    expect(t).not.toHaveProperty('id');
    expect([t.start, t.end]).toEqual([0, 5]);
  });
});
