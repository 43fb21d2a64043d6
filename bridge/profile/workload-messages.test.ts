import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { capturesBySeq, workloadMessages, type MessageEnds } from './workload-messages.js';
import { encodeWorkloadPayload } from './workload-payload.js';

const TOPIC = 'bench/up';

const ends = (dir: 'up' | 'down', rows: [seq: number, intended?: bigint, sent?: bigint, received?: bigint, size?: number][]): MessageEnds => {
  const e: MessageEnds = { dir, qos: 1, sizes: new Map(), intended: new Map(), sent: new Map(), received: new Map(), topic: TOPIC };
  for (const [seq, intended, sent, received, size] of rows) {
    if (intended !== undefined) e.intended.set(seq, intended);
    if (sent !== undefined) e.sent.set(seq, sent);
    if (received !== undefined) e.received.set(seq, received);
    if (size !== undefined) e.sizes.set(seq, size);
  }
  return e;
};

const publishBytes = (seq: number, topic = TOPIC, size = 32, messageId = seq + 1) =>
  mqtt.generate({ cmd: 'publish', topic, payload: encodeWorkloadPayload(seq, 0n, 0n, size), qos: 1, messageId, dup: false, retain: false });

const upCapture = (bytes: Buffer, s: [bigint, bigint, bigint, bigint, bigint, bigint], cmd = 'publish'): PacketCapture => ({
  dir: 'to-broker',
  connId: 1,
  cmd,
  qos: 1,
  length: bytes.length,
  bytes,
  stamps: { serialFirst: s[0], serialLast: s[1], decoded: s[2], parsed: s[3], writeCalled: s[4], flushed: s[5] },
});
const downCapture = (bytes: Buffer, s: [bigint, bigint, bigint, bigint]): PacketCapture => ({
  dir: 'to-board',
  connId: 1,
  cmd: 'publish',
  qos: 1,
  length: bytes.length,
  bytes,
  stamps: { brokerReceived: s[0], parsed: s[1], serialQueued: s[2], serialDrained: s[3] },
});

const total = (segments: { ns: number }[]) => segments.reduce((a, s) => a + s.ns, 0);

describe('workloadMessages', () => {
  it('splits an upward message at the bridge stamps, segments summing to latencyNs', () => {
    const c = upCapture(publishBytes(0), [1050n, 1060n, 1070n, 1080n, 1090n, 1100n]);
    const { messages, losses } = workloadMessages(ends('up', [[0, 1000n, 1010n, 1300n, 32]]), new Map([[0, c]]), 900n);
    expect(losses).toEqual([]);
    expect(messages).toEqual([
      {
        kind: 'message',
        seq: 0,
        dir: 'up',
        qos: 1,
        size: 32,
        intended: 100,
        sent: 110,
        received: 400,
        latencyNs: 300,
        segments: [
          { name: 'schedule', ns: 10 },
          { name: 'board', ns: 40 },
          { name: 'serialIn', ns: 10 },
          { name: 'bridgeIn', ns: 40 },
          { name: 'broker', ns: 200 },
        ],
      },
    ]);
  });

  it('splits a downward message at the bridge stamps', () => {
    const c = downCapture(publishBytes(4), [1050n, 1060n, 1080n, 1200n]);
    const { messages } = workloadMessages(ends('down', [[4, 1000n, 1010n, 1250n, 64]]), new Map([[4, c]]), 1000n);
    expect(messages[0].segments).toEqual([
      { name: 'schedule', ns: 10 },
      { name: 'broker', ns: 40 },
      { name: 'bridgeOut', ns: 30 },
      { name: 'serialOut', ns: 120 },
      { name: 'board', ns: 50 },
    ]);
    expect(messages[0].latencyNs).toBe(250);
    expect(total(messages[0].segments)).toBe(250);
  });

  it("charges the whole path to one segment when the bridge didn't capture the message", () => {
    const { messages } = workloadMessages(ends('up', [[2, 5000n, 5600n, 9000n]]), new Map(), 5000n);
    expect(messages[0].segments).toEqual([
      { name: 'schedule', ns: 600 },
      { name: 'path', ns: 3400 },
    ]);
    expect(messages[0].size).toBe(0);
  });

  it('reports a message sent but never received, or never sent, as a loss', () => {
    const { messages, losses } = workloadMessages(
      ends('down', [
        [0, 100n, 110n, 500n],
        [1, 200n, 210n],
        [2, 300n],
      ]),
      new Map(),
      0n,
    );
    expect(messages.map((m) => m.seq)).toEqual([0]);
    expect(losses).toEqual([
      { kind: 'loss', seq: 1, dir: 'down', intended: 200 },
      { kind: 'loss', seq: 2, dir: 'down', intended: 300 },
    ]);
  });

  it('telescopes exactly for any stamps, even ones out of order (an offset board clock)', () => {
    const t = fc.bigInt({ min: 10n ** 12n, max: 10n ** 12n + 10n ** 10n });
    fc.assert(
      fc.property(t, t, t, fc.array(t, { minLength: 6, maxLength: 6 }), fc.boolean(), (intended, sent, received, s, up) => {
        const c = up ? upCapture(publishBytes(0), s as [bigint, bigint, bigint, bigint, bigint, bigint]) : downCapture(publishBytes(0), s.slice(0, 4) as [bigint, bigint, bigint, bigint]);
        const { messages } = workloadMessages(ends(up ? 'up' : 'down', [[0, intended, sent, received]]), new Map([[0, c]]), 0n);
        expect(total(messages[0].segments)).toBe(messages[0].latencyNs);
        expect(messages[0].latencyNs).toBe(Number(received - intended));
      }),
    );
  });
});

describe('capturesBySeq', () => {
  const s6: [bigint, bigint, bigint, bigint, bigint, bigint] = [1n, 2n, 3n, 4n, 5n, 6n];

  it('finds each workload PUBLISH by its sequence number, first copy winning', () => {
    const first = upCapture(publishBytes(3), s6);
    const dup = upCapture(publishBytes(3), [7n, 8n, 9n, 10n, 11n, 12n]);
    const other = upCapture(publishBytes(4), s6);
    const found = capturesBySeq([first, dup, other], TOPIC, 'to-broker');
    expect([...found.keys()]).toEqual([3, 4]);
    expect(found.get(3)).toBe(first);
  });

  it('skips other directions, commands, topics, short payloads and bytes that do not parse', () => {
    const found = capturesBySeq(
      [
        downCapture(publishBytes(1), [1n, 2n, 3n, 4n]),
        upCapture(mqtt.generate({ cmd: 'puback', messageId: 9 }), s6, 'puback'),
        upCapture(publishBytes(2, 'other/topic'), s6),
        upCapture(mqtt.generate({ cmd: 'publish', topic: TOPIC, payload: Buffer.from('short'), qos: 0, dup: false, retain: false }), s6),
        upCapture(Buffer.from([0x30, 0x7f, 0x00]), s6),
        upCapture(publishBytes(5), s6),
      ],
      TOPIC,
      'to-broker',
    );
    expect([...found.keys()]).toEqual([5]);
  });
});
