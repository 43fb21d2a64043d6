import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { deframe, type DeframeEvent } from './deframe.js';
import { encodeFrame, encodedFrameLength, type Frame } from './frame.js';
import { runOperator, splitAt } from '../test-support/collect.js';
import { frameArb, garbageArb, plainFrame } from '../test-support/arbitraries.js';

const f = (seq: number, text: string): Frame => ({ channel: 1, flags: 3, seq, ack: 0, credit: 4, payload: Buffer.from(text) });
const short = (e: DeframeEvent): string =>
  e.type === 'frame' ? `F${e.frame.seq}:${e.frame.payload.toString()}` : e.type === 'console' ? `C:${e.text}` : `D:${e.reason}`;
const framesOf = (events: DeframeEvent[]) => events.flatMap((e) => (e.type === 'frame' ? [plainFrame(e.frame)] : []));
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('deframe (marbles)', () => {
  it('emits each frame when its closing delimiter arrives', () => {
    const one = encodeFrame(f(1, 'one'));
    const two = encodeFrame(f(2, 'two'));
    testScheduler().run(({ cold, expectObservable }) => {
      const bytes = cold('-a-b-c-|', { a: one.subarray(0, 5), b: Buffer.concat([one.subarray(5), two.subarray(0, 3)]), c: two.subarray(3) });
      expectObservable(bytes.pipe(deframe({ maxPayload: 64 }), map(short))).toBe('---x-y-|', { x: 'F1:one', y: 'F2:two' });
    });
  });

  it('passes errors through, completes on empty, stays silent on never, and unsubscribes', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-a-#', { a: encodeFrame(f(1, 'x')) }, new Error('port gone'));
      expectObservable(failing.pipe(deframe({ maxPayload: 64 }), map(short))).toBe('-x-#', { x: 'F1:x' }, new Error('port gone'));
      expectObservable(cold<Buffer>('|').pipe(deframe({ maxPayload: 64 }))).toBe('|');
      const never = cold<Buffer>('-');
      expectObservable(never.pipe(deframe({ maxPayload: 64 })), '^-----!').toBe('');
      expectSubscriptions(never.subscriptions).toBe('^-----!');
    });
  });

  it('reports the truncated tail when the stream ends inside a frame', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const bytes = cold('-a|', { a: encodeFrame(f(1, 'cut short')).subarray(0, 8) });
      expectObservable(bytes.pipe(deframe({ maxPayload: 64 }), map(short))).toBe('--(x|)', { x: 'D:truncated' });
    });
  });

  it('rejects a bad maxPayload with an error naming it', () => {
    expect(() => deframe({ maxPayload: -1 })).toThrow(/maxPayload/);
  });
});

describe('deframe (properties)', () => {
  it('recovers every intact frame whatever garbage is spliced between them, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(garbageArb(), frameArb())), garbageArb(), fc.array(fc.nat()), async (pairs, tail, cuts) => {
        const wire = Buffer.concat([...pairs.flatMap(([g, fr]) => [g, encodeFrame(fr)]), tail]);
        const events = await runOperator(deframe({ maxPayload: 300 }), splitAt(wire, cuts.map((c) => c % (wire.length + 1))));
        expect(framesOf(events)).toEqual(pairs.map(([, fr]) => plainFrame(fr)));
      }),
    );
  });

  it('decodes the same whether bytes come one at a time, split at any offset, or all at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(garbageArb(40), frameArb(60)), { maxLength: 4 }), async (pairs) => {
        const wire = Buffer.concat(pairs.flatMap(([g, fr]) => [g, encodeFrame(fr)]));
        const describe = (events: DeframeEvent[]) => events.map((e) => (e.type === 'frame' ? plainFrame(e.frame) : e));
        const whole = describe(await runOperator(deframe({ maxPayload: 300 }), [wire]));
        const bytewise = describe(await runOperator(deframe({ maxPayload: 300 }), splitAt(wire, [...wire.keys()])));
        expect(bytewise).toEqual(whole);
        for (let at = 0; at <= wire.length; at++) {
          expect(describe(await runOperator(deframe({ maxPayload: 300 }), splitAt(wire, [at])))).toEqual(whole);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('decodes in place when it owns the chunks, with the same results and no copy of the frames', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(garbageArb(60), frameArb())), fc.array(fc.nat()), async (pairs, cuts) => {
        const wire = Buffer.concat(pairs.flatMap(([g, fr]) => [g, encodeFrame(fr)]));
        const chunks = () => splitAt(Buffer.from(wire), cuts.map((c) => c % (wire.length + 1))).map((c) => Buffer.from(c));
        const describe = (events: DeframeEvent[]) => events.map((e) => (e.type === 'frame' ? plainFrame(e.frame) : e));
        const copied = describe(await runOperator(deframe({ maxPayload: 300 }), chunks()));
        const owned = chunks();
        const inPlace = await runOperator(deframe({ maxPayload: 300, ownsChunks: true }), owned);
        expect(describe(inPlace)).toEqual(copied);
        // With the whole stream in one owned chunk, every frame is a view of that very chunk.
        const single = Buffer.from(wire);
        const views = await runOperator(deframe({ maxPayload: 300, ownsChunks: true }), [single]);
        for (const e of views) if (e.type === 'frame') expect(e.frame.payload.buffer).toBe(single.buffer);
      }),
    );
  });

  it('joins a frame split across adjacent owned reads by widening its view: same results, no copy', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(garbageArb(60), frameArb())), fc.array(fc.nat()), async (pairs, cuts) => {
        const wire = Buffer.concat(pairs.flatMap(([g, fr]) => [g, encodeFrame(fr)]));
        const at = cuts.map((c) => c % (wire.length + 1));
        const describe = (events: DeframeEvent[]) => events.map((e) => (e.type === 'frame' ? plainFrame(e.frame) : e));
        const copied = describe(await runOperator(deframe({ maxPayload: 300 }), splitAt(wire, at).map((c) => Buffer.from(c))));
        // Reads as the tty driver hands them over: consecutive views of one buffer.
        const slab = Buffer.from(wire);
        const events = await runOperator(deframe({ maxPayload: 300, ownsChunks: true }), splitAt(slab, at));
        expect(describe(events)).toEqual(copied);
        for (const e of events) if (e.type === 'frame') expect(e.frame.payload.buffer).toBe(slab.buffer);
      }),
    );
  });

  it('never holds more than the largest legal frame in an open view, and accounts for every byte', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1 }), frameArb(64), async (junkLength, sizes, fr) => {
        const wire = Buffer.concat([Buffer.alloc(junkLength, 0x81), encodeFrame(fr)]);
        const cuts: number[] = [];
        for (let at = 0, i = 0; at < wire.length; i++) cuts.push((at += sizes[i % sizes.length]));
        const events = await runOperator(deframe({ maxPayload: 64, ownsChunks: true }), splitAt(wire, cuts.filter((c) => c < wire.length)));
        expect(framesOf(events)).toEqual([plainFrame(fr)]);
        const dropped = events.flatMap((e) => (e.type === 'dropped' ? [e] : []));
        expect(dropped.reduce((n, e) => n + e.bytes, 0)).toBe(junkLength);
        if (junkLength > encodedFrameLength(64)) expect(dropped.every((e) => e.reason === 'oversize')).toBe(true);
      }),
    );
  });

  it('never buffers more than the largest legal frame, and recovers after an oversized run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), frameArb(64), async (junkLength, fr) => {
        const junk = Buffer.alloc(junkLength, 0x81); // no delimiter, not text
        const wire = Buffer.concat([junk, encodeFrame(fr)]);
        const events = await runOperator(deframe({ maxPayload: 64 }), splitAt(wire, [100, 200, 1000]));
        expect(framesOf(events)).toEqual([plainFrame(fr)]);
        const dropped = events.flatMap((e) => (e.type === 'dropped' ? [e] : []));
        // Every junk byte is accounted for, and none is reported as anything but oversize
        // once the run outgrew the largest legal frame.
        expect(dropped.reduce((n, e) => n + e.bytes, 0)).toBe(junkLength);
        if (junkLength > encodedFrameLength(64)) expect(dropped.every((e) => e.reason === 'oversize')).toBe(true);
      }),
    );
  });

  it('shows boot text as console lines and never glues it onto the next frame', async () => {
    const fr = f(9, 'payload');
    const wire = Buffer.concat([Buffer.from('U-Boot 2024.01\r\nDRAM: 512 MiB\r\nstarting'), encodeFrame(fr), Buffer.from('tail text\n')]);
    for (const chunks of [[wire], splitAt(wire, [...wire.keys()])]) {
      const events = await runOperator(deframe({ maxPayload: 64 }), chunks);
      expect(events.map(short)).toEqual(['C:U-Boot 2024.01', 'C:DRAM: 512 MiB', 'C:starting', 'F9:payload', 'C:tail text']);
    }
  });

  it('never shows a plain MQTT CONNECT (a raw board on a framed line) as console text, up to the next frame', async () => {
    const secret = 'SuperSecretToken-0123456789abcdefghijklmn';
    for (const [protocolId, protocolVersion] of [['MQTT', 4], ['MQTT', 5], ['MQIsdp', 3]] as const) {
      const connect = mqtt.generate({ cmd: 'connect', protocolId, protocolVersion, clientId: 'my-client-id-long-enough-to-be-printable', username: 'alice', password: Buffer.from(secret), keepalive: 60, clean: true });
      const publish = mqtt.generate({ cmd: 'publish', topic: 'a/long/enough/topic/name/x', payload: Buffer.from('readable payload text'), qos: 0, retain: false, dup: false });
      const wire = Buffer.concat([connect, publish, encodeFrame(f(3, 'after')), Buffer.from('boot text again\n')]);
      for (const chunks of [[wire], splitAt(wire, [...wire.keys()]), splitAt(wire, [9, 23, 40])]) {
        const events = await runOperator(deframe({ maxPayload: 64 }), chunks);
        const shown = events.map(short);
        expect(shown.filter((e) => e.startsWith('C:') && e !== 'C:boot text again')).toEqual([]);
        expect(shown).toContain('D:plain-mqtt');
        // The next intact frame is recovered, and text after it is shown again.
        expect(shown.slice(-2)).toEqual(['F3:after', 'C:boot text again']);
      }
    }
  });
});
