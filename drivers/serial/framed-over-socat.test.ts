import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, Subject, takeWhile, toArray } from 'rxjs';
import { createSerialportLink, type SerialportLink } from './serialport-link.js';
import { startSocatPair, type SocatPair } from '../test-support/socat-pair.js';
import { deframe, type DeframeEvent } from '../../streams/framing/deframe.js';
import { encodeFrame, type Frame } from '../../streams/framing/frame.js';
import { createLineFaults, seededRandom } from '../../streams/faults/line-faults.js';
import { Channel, FLAGS_WHOLE } from '../../streams/link/protocol.js';

// Frames written into one end of a real socat pty pair, with line noise, power-cut half
// frames, corrupted bytes and boot text mixed in, and read through the serialport driver at
// the other end: every frame that crossed intact must come out, in order, and nothing else.

let socat: SocatPair | undefined;
const links: SerialportLink[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) await l.close();
  await socat?.stop();
  socat = undefined;
});

const END = Buffer.from('end-of-test');

describe('framing over a real socat pty pair', () => {
  it.each([1, 2, 3])('recovers every intact frame despite injected garbage (seed %i)', async (seed) => {
    socat = await startSocatPair();
    const board = createSerialportLink({ path: socat.b, baudRate: 115200 });
    const host = createSerialportLink({ path: socat.a, baudRate: 115200 });
    links.push(board, host);
    await host.open();
    await board.open();
    const events = new Subject<DeframeEvent>();
    const sub = host.data$.pipe(deframe({ maxPayload: 1024, ownsChunks: true })).subscribe(events);
    const collected = firstValueFrom(
      events.pipe(
        takeWhile((e) => !(e.type === 'frame' && e.frame.channel === Channel.LOG && Buffer.from(e.frame.payload).equals(END))),
        toArray(),
      ),
    );

    const random = seededRandom(seed);
    const faults = createLineFaults(random, { garbage: 0.2, truncate: 0.1, corrupt: 0.1, text: 0.1, duplicate: 0.05 });
    const expected: string[] = [];
    let unclosed: string | undefined;
    for (let i = 0; i < 300; i++) {
      const size = Math.floor(random() * 900);
      const payload = Buffer.alloc(size);
      for (let k = 0; k < size; k++) payload[k] = Math.floor(random() * 256);
      const frame: Frame = { channel: Channel.MQTT, flags: FLAGS_WHOLE, seq: i & 0xff, ack: 0, credit: 1, payload };
      const wire = encodeFrame(frame);
      for (const bytes of faults(wire)) {
        // A frame cut just before its closing 0x00 is closed by the next run's leading 0x00.
        if (unclosed !== undefined && bytes[0] === 0) expected.push(unclosed);
        unclosed = undefined;
        if (bytes.equals(wire)) expected.push(payload.toString('hex'));
        else if (bytes.length === wire.length - 1 && wire.subarray(0, bytes.length).equals(bytes)) unclosed = payload.toString('hex');
        await board.write(bytes);
      }
    }
    if (unclosed !== undefined) expected.push(unclosed);
    await board.write(encodeFrame({ channel: Channel.LOG, flags: FLAGS_WHOLE, seq: 0, ack: 0, credit: 0, payload: END }));

    const got = await collected;
    sub.unsubscribe();
    const frames = got.flatMap((e) => (e.type === 'frame' ? [Buffer.from(e.frame.payload).toString('hex')] : []));
    expect(frames.length).toBe(expected.length);
    expect(frames).toEqual(expected);
    // The noise was really there and was reported, not silently swallowed.
    expect(got.filter((e) => e.type === 'dropped').length).toBeGreaterThan(20);
    expect(got.some((e) => e.type === 'console')).toBe(true);
  });
});
