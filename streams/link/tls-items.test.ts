import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeCtrl, encodeCtrl, type CtrlMessage } from './ctrl-codec.js';
import { TlsItemKind } from './protocol.js';
import { createTlsItemCollector, materialNames, tlsItemMessages } from './tls-items.js';
import { vectors } from '../test-support/vectors.js';

type Item = Extract<CtrlMessage, { type: 'tls-item' }>;
const items = (messages: CtrlMessage[]) => messages as Item[];

describe('TLS_ITEM', () => {
  it('encodes and decodes a piece, and ignores bytes a later version appends', () => {
    const msg: CtrlMessage = { type: 'tls-item', connId: 7, item: TlsItemKind.KEY_STORE, more: true, data: Buffer.from('-----BEGIN') };
    const bytes = encodeCtrl(msg);
    expect(bytes.subarray(0, 6).toString('hex')).toBe('090702010a00');
    expect(decodeCtrl(bytes)).toEqual(msg);
    expect(decodeCtrl(Buffer.concat([bytes, Buffer.of(0xaa, 0xbb)]))).toEqual(msg);
  });

  it('calls a piece shorter than its length a short message', () => {
    const bytes = encodeCtrl({ type: 'tls-item', connId: 1, item: 1, more: false, data: Buffer.from('abcdef') });
    expect(decodeCtrl(bytes.subarray(0, bytes.length - 1))).toMatch(/tls-item message too short/);
  });

  it('matches the reference vector', () => {
    const v = vectors.frames.find((f) => f.name === 'tls-item');
    expect(v, 'the vectors file has a tls-item frame').toBeDefined();
    const msg = decodeCtrl(Buffer.from((v as { payload: string }).payload, 'hex'));
    expect(msg).toMatchObject({ type: 'tls-item', connId: 1, item: TlsItemKind.TRUST_STORE, more: false });
    expect((msg as Item).data.toString()).toBe('-----BEGIN CERTIFICATE-----\n');
  });

  it('cuts each setting into pieces that fit the MTU, and the collector puts them back', () => {
    const material = { trustStore: randomBytes(1000), keyStore: randomBytes(300), privateKey: randomBytes(17) };
    const messages = tlsItemMessages(3, material, 64);
    for (const m of messages) expect(encodeCtrl(m).length).toBeLessThanOrEqual(64);
    expect(items(messages).filter((m) => !m.more).map((m) => m.item)).toEqual([1, 2, 3]);
    const collector = createTlsItemCollector();
    for (const m of items(messages)) collector.add(m);
    expect(collector.take(3)).toEqual({ material, problems: [] });
    expect(collector.take(3), 'an OPEN takes them: the next gets nothing').toBeUndefined();
  });

  it('sends an empty setting as one piece, so the host knows the app gave it', () => {
    const messages = items(tlsItemMessages(0, { trustStore: Buffer.alloc(0) }, 64));
    expect(messages).toHaveLength(1);
    const collector = createTlsItemCollector();
    collector.add(messages[0]);
    expect(collector.take(0)?.material.trustStore?.length).toBe(0);
  });

  it('keeps connections apart, and a setting sent again replaces the first', () => {
    const collector = createTlsItemCollector();
    for (const m of items(tlsItemMessages(1, { trustStore: Buffer.from('one') }, 64))) collector.add(m);
    for (const m of items(tlsItemMessages(2, { trustStore: Buffer.from('two') }, 64))) collector.add(m);
    for (const m of items(tlsItemMessages(1, { trustStore: Buffer.from('again') }, 64))) collector.add(m);
    expect(collector.take(1)?.material.trustStore?.toString()).toBe('again');
    expect(collector.take(2)?.material.trustStore?.toString()).toBe('two');
  });

  it('reports a setting cut short, too large, or of an unknown kind, naming it as the SDK does', () => {
    const collector = createTlsItemCollector(100);
    collector.add({ type: 'tls-item', connId: 1, item: TlsItemKind.PRIVATE_KEY, more: true, data: Buffer.from('half') });
    for (const m of items(tlsItemMessages(1, { keyStore: randomBytes(250) }, 64))) collector.add(m);
    collector.add({ type: 'tls-item', connId: 1, item: 9, more: false, data: Buffer.from('?') });
    const got = collector.take(1);
    expect(got?.material).toEqual({});
    expect(got?.problems).toEqual(['key_store is larger than 100 bytes (250)', 'a TLS setting of unknown kind 9', 'private_key ended without its last piece']);
  });

  it('bounds what all connections hold together, and gives it back as OPENs take theirs', () => {
    const collector = createTlsItemCollector(100, 250);
    for (const connId of [1, 2]) for (const m of items(tlsItemMessages(connId, { trustStore: randomBytes(100) }, 64))) collector.add(m);
    expect(collector.heldBytes).toBe(200);
    for (const m of items(tlsItemMessages(3, { trustStore: randomBytes(100) }, 64))) collector.add(m);
    expect(collector.take(3)?.problems).toEqual(['trust_store came while TLS settings of 250 bytes were already waiting for their OPENs']);
    expect(collector.heldBytes).toBe(200);
    collector.take(1);
    for (const m of items(tlsItemMessages(1, { trustStore: randomBytes(80) }, 64))) collector.add(m);
    for (const m of items(tlsItemMessages(1, { trustStore: randomBytes(90) }, 64))) collector.add(m);
    expect(collector.heldBytes, 'a setting sent again gives back what the first held').toBe(190);
    expect(collector.take(1)?.material.trustStore?.length).toBe(90);
    collector.clear();
    expect(collector.heldBytes).toBe(0);
  });

  it('forgets everything on a link reset', () => {
    const collector = createTlsItemCollector();
    for (const m of items(tlsItemMessages(1, { trustStore: Buffer.from('x') }, 64))) collector.add(m);
    collector.clear();
    expect(collector.take(1)).toBeUndefined();
  });

  it('names settings by their SDK names, never their content', () => {
    expect(materialNames({ keyStore: Buffer.from('secret'), privateKey: Buffer.from('secret') })).toEqual(['key_store', 'private_key']);
    expect(() => tlsItemMessages(0, { trustStore: Buffer.from('x') }, 6)).toThrow(/no room/);
  });
});
