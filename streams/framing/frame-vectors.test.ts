import { describe, expect, it } from 'vitest';
import { deframe, type DeframeEvent } from './deframe.js';
import { encodeFrame } from './frame.js';
import { fragmentMqtt } from '../mqtt/mqtt-fragment.js';
import { hex, vectors } from '../test-support/vectors.js';
import { runOperator } from '../test-support/collect.js';

const byName = new Map(vectors.frames.map((f) => [f.name, f]));

function describeEvent(e: DeframeEvent): object {
  if (e.type === 'console') return { console: e.text };
  if (e.type === 'dropped') return { dropped: e.reason };
  const wire = encodeFrame(e.frame).toString('hex');
  const named = vectors.frames.find((f) => f.wire === wire);
  return named ? { frame: named.name } : { frameHex: wire };
}

describe('link protocol vectors (docs/link-protocol-vectors.json)', () => {
  it.each(vectors.frames)('encodes frame "$name" to the exact reference bytes', (v) => {
    const wire = encodeFrame({ channel: v.channel, flags: v.flags, seq: v.seq, ack: v.ack, credit: v.credit, payload: hex(v.payload) });
    expect(wire.toString('hex')).toBe(v.wire);
  });

  it.each(vectors.frames)('decodes the reference bytes of "$name" to its fields', async (v) => {
    const events = await runOperator(deframe({ maxPayload: 4096 }), [hex(v.wire)]);
    expect(events).toHaveLength(1);
    const e = events[0];
    if (e.type !== 'frame') throw new Error(`expected a frame, got ${JSON.stringify(e)}`);
    expect({ ...e.frame, payload: e.frame.payload.toString('hex') }).toEqual({
      channel: v.channel,
      flags: v.flags,
      seq: v.seq,
      ack: v.ack,
      credit: v.credit,
      payload: v.payload,
    });
  });

  it.each(vectors.streams)('decodes stream "$name" as the vector expects', async (v) => {
    const events = await runOperator(deframe({ maxPayload: 4096 }), [hex(v.wire)]);
    expect(events.map(describeEvent)).toEqual(v.expect);
  });

  it.each(vectors.fragments)('fragments "$name" exactly as the reference', (v) => {
    const got = fragmentMqtt(v.connId, hex(v.packet), v.mtu).map((f) => ({ flags: f.flags, payload: f.payload.toString('hex') }));
    expect(got).toEqual(v.fragments);
  });

  it('has every named frame the streams refer to', () => {
    for (const s of vectors.streams) {
      for (const e of s.expect) if ('frame' in e) expect(byName.has(e.frame)).toBe(true);
    }
  });
});
