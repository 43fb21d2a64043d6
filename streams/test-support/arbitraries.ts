import fc from 'fast-check';
import type { Frame } from '../framing/frame.js';

export const frameArb = (maxPayload = 300): fc.Arbitrary<Frame> =>
  fc.record({
    channel: fc.integer({ min: 0, max: 4 }),
    flags: fc.integer({ min: 0, max: 3 }),
    seq: fc.integer({ min: 0, max: 255 }),
    ack: fc.integer({ min: 0, max: 255 }),
    credit: fc.integer({ min: 0, max: 127 }),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: maxPayload }),
      fc.uint8Array({ maxLength: maxPayload, min: 0, max: 3 }), // zero-heavy: many short COBS blocks
    ).map((a) => Buffer.from(a)),
  });

/** Bytes a noisy line or a chatty board could put between frames, zeros included. */
export const garbageArb = (maxLength = 200): fc.Arbitrary<Buffer> =>
  fc
    .oneof(
      fc.uint8Array({ maxLength }),
      fc.string({ maxLength }).map((s) => new TextEncoder().encode(`${s}\r\n`)),
      fc.constant(new Uint8Array([0, 0, 0])),
    )
    .map((a) => Buffer.from(a));

export const plainFrame = (f: Frame) => ({ ...f, payload: Buffer.from(f.payload).toString('hex') });
