import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { seekConnect } from './seek-connect.js';
import { runOperator, splitAt } from '../test-support/collect.js';

const connect = (v: 3 | 4 | 5) => mqtt.generate({ cmd: 'connect', protocolId: v === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: v, clientId: 'dev-1', clean: true, keepalive: 30 });

describe('seekConnect', () => {
  it.each([3, 4, 5] as const)('finds a protocol-level %i CONNECT behind noise, split at any offset', async (v) => {
    const noise = Buffer.from('boot ok\r\n\x10\x02\x00\x01garbage\x10\xff');
    const stream = Buffer.concat([noise, connect(v), Buffer.from([0xc0, 0x00])]);
    for (let at = 0; at <= stream.length; at++) {
      let skipped = 0;
      const out = Buffer.concat(await runOperator(seekConnect((n) => (skipped += n)), splitAt(stream, [at])));
      expect(out.equals(stream.subarray(noise.length))).toBe(true);
      expect(skipped).toBe(noise.length);
    }
  });

  it('reports bytes that cannot start a CONNECT as skipped at once, holding back only what may', () => {
    const input = new Subject<Buffer>();
    let skipped = 0;
    const out: Buffer[] = [];
    input.pipe(seekConnect((n) => (skipped += n))).subscribe((b) => out.push(b));
    const publish = mqtt.generate({ cmd: 'publish', topic: 't', payload: 'x', qos: 0, retain: false, dup: false });
    input.next(publish); // a PUBLISH before any CONNECT: no 0x10 in it
    expect(skipped).toBe(publish.length);
    const c = connect(4);
    input.next(Buffer.concat([Buffer.of(0x41), c.subarray(0, 2)])); // a noise byte, then what may start a CONNECT
    expect(skipped).toBe(publish.length + 1);
    expect(out).toEqual([]);
    input.next(c.subarray(2));
    expect(Buffer.concat(out).equals(c)).toBe(true);
    expect(skipped).toBe(publish.length + 1);
  });

  it('passes everything after the first CONNECT untouched, and never throws on any input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat()), async (before, after, cuts) => {
        const c = connect(4);
        const stream = Buffer.concat([Buffer.from(before), c, Buffer.from(after)]);
        const out = Buffer.concat(await runOperator(seekConnect(), splitAt(stream, cuts.map((x) => x % (stream.length + 1)))));
        // Noise may itself hold a CONNECT-looking run; what comes out is always a suffix that starts with one.
        expect(stream.subarray(stream.length - out.length).equals(out)).toBe(true);
        expect(out.length).toBeGreaterThanOrEqual(c.length + after.length);
        expect(out[0]).toBe(0x10);
      }),
    );
  });
});
