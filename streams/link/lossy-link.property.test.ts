import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Channel } from './protocol.js';
import { createLinkPair, lossyLine, prng } from '../test-support/link-harness.js';

// Over a line that drops, corrupts, truncates and duplicates frames, each reliable message
// arrives exactly once and in order — or the link says it is broken, and what did arrive is
// still an in-order, duplicate-free prefix.

const rate = fc.double({ min: 0, max: 0.3, noNaN: true });

describe('reliable delivery over a lossy line (property)', () => {
  it('delivers every message exactly once and in order, or declares the link broken', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.record({ drop: rate, corrupt: rate, duplicate: rate, truncate: rate }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 16, max: 300 }),
        (seed, rates, bodies, window, mtu) => {
          const p = createLinkPair({ b: { window, mtu }, a: { maxRetries: 8 } });
          p.advance(50); // handshake on a clean line
          p.setLine(lossyLine(prng(seed), rates));
          // Distinct MQTT-like packets (PUBLISH header + numbered body) in both directions.
          const packets = bodies.map((b, i) => {
            const body = Buffer.concat([Buffer.from([i & 0xff, i >> 8]), Buffer.from(b)]);
            return Buffer.concat([Buffer.from([0x30, body.length & 0x7f | (body.length > 127 ? 0x80 : 0)]), body.length > 127 ? Buffer.from([body.length >> 7]) : Buffer.alloc(0), body]);
          });
          for (const packet of packets) {
            p.A.send({ type: 'send-mqtt', connId: 1, packet });
            p.B.send({ type: 'send-mqtt', connId: 2, packet });
          }
          p.advance(120_000);
          for (const [from, to] of [[p.A, p.B], [p.B, p.A]] as const) {
            // Count only the first session: a reset ends it, and everything of it is dead.
            const firstDown = to.outputs.findIndex((o) => o.out.type === 'down');
            const session = firstDown === -1 ? to.outputs : to.outputs.slice(0, firstDown);
            const got = Buffer.concat(
              session.flatMap((o) => (o.out.type === 'deliver' && o.out.channel === Channel.MQTT ? [o.out.payload.subarray(1)] : [])),
            );
            const sent = Buffer.concat(packets);
            const broken = from.of('down').length + to.of('down').length > 0;
            if (broken) expect(sent.subarray(0, got.length).equals(got)).toBe(true);
            else expect(got.equals(sent)).toBe(true);
          }
          p.stop();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with moderate loss and default retries the link is never declared broken', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 60 }), (seed, bodies) => {
        const p = createLinkPair();
        p.advance(50);
        p.setLine(lossyLine(prng(seed), { drop: 0.05, corrupt: 0.05, duplicate: 0.05, truncate: 0.05 }));
        const packets = bodies.map((b) => Buffer.concat([Buffer.from([0x30, b.length]), Buffer.from(b)]));
        for (const packet of packets) p.A.send({ type: 'send-mqtt', connId: 1, packet });
        p.advance(60_000);
        const got = p.B.of('deliver').filter((d) => d.channel === Channel.MQTT).map((d) => d.payload.subarray(1));
        expect(p.A.of('down')).toEqual([]);
        expect(Buffer.concat(got).equals(Buffer.concat(packets))).toBe(true);
        p.stop();
      }),
      { numRuns: 100 },
    );
  });
});
