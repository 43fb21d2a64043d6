import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialLinkState } from '../serial-link.js';
import { recordBytes } from '../test-support/bytes.js';
import { describeSerialLinkContract } from '../test-support/serial-link-contract.js';
import { createMemoryLinkPair, type MemoryLink } from './memory-link.js';

describeSerialLinkContract('memory link', async () => {
  const [link, peer] = createMemoryLinkPair();
  await peer.open();
  return {
    link,
    peer,
    cleanup: async () => {
      await Promise.all([link.close(), peer.close()]);
    },
  };
});

describe('memory link', () => {
  let ends: MemoryLink[] = [];

  afterEach(async () => {
    await Promise.all(ends.map((end) => end.close()));
    ends = [];
  });

  async function openedPair(): Promise<[MemoryLink, MemoryLink]> {
    const [a, b] = createMemoryLinkPair('test');
    ends = [a, b];
    await Promise.all([a.open(), b.open()]);
    return [a, b];
  }

  it('delivers on a later turn, never inside the write call', async () => {
    const [a, b] = await openedPair();
    const received = recordBytes(b.data$);
    const written = a.write(Buffer.from('hi'));
    expect(received.length).toBe(0);
    await written;
    expect(received.bytes().toString()).toBe('hi');
  });

  it('hands the receiver its own copy of the bytes', async () => {
    const [a, b] = await openedPair();
    const received = recordBytes(b.data$);
    const source = Buffer.from([1, 2, 3]);
    const written = a.write(source);
    source.fill(9);
    await written;
    expect([...received.bytes()]).toEqual([1, 2, 3]);
  });

  it('drops bytes the other end is not open to receive, like a wire', async () => {
    const [a, b] = createMemoryLinkPair();
    ends = [a, b];
    await a.open();
    const received = recordBytes(b.data$);
    await a.write(Buffer.from('lost'));
    await b.open();
    await a.write(Buffer.from('kept'));
    expect(received.bytes().toString()).toBe('kept');
  });

  it('simulateLoss on either end makes both lost, failing the pending write and later ones', async () => {
    const [a, b] = await openedPair();
    const states: SerialLinkState[] = [];
    b.state$.subscribe((s) => states.push(s));
    const pending = a.write(Buffer.from('in flight'));
    const cable = new Error('cable pulled');
    b.simulateLoss(cable);
    await expect(pending).rejects.toBe(cable);
    expect(states.at(-1)).toEqual({ type: 'lost', error: cable });
    expect(await firstValueFrom(a.state$)).toEqual({ type: 'lost', error: cable });
    await expect(a.write(Buffer.from([1]))).rejects.toThrow(/link lost \(cable pulled\)/);
  });

  it('opens again after a loss', async () => {
    const [a, b] = await openedPair();
    a.simulateLoss(new Error('glitch'));
    await Promise.all([a.open(), b.open()]);
    const received = recordBytes(b.data$);
    await a.write(Buffer.from('again'));
    expect(received.bytes().toString()).toBe('again');
    expect((await firstValueFrom(a.state$)).type).toBe('opened');
  });

  it('resolves a write only once the other end has taken the bytes, which a pause holds back', async () => {
    const [a, b] = await openedPair();
    const received = recordBytes(b.data$);
    b.pauseReading();
    let resolved = false;
    const written = a.write(Buffer.from('wait')).then(() => (resolved = true));
    // Queued after the delivery turn the write scheduled, so the bytes have reached b by now.
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    b.resumeReading();
    await written;
    expect(received.bytes().toString()).toBe('wait');
  });

  it('lets the writer go when the paused end closes: held bytes fall off the wire', async () => {
    const [a, b] = await openedPair();
    const received = recordBytes(b.data$);
    b.pauseReading();
    const written = a.write(Buffer.from('never read'));
    await new Promise((resolve) => setImmediate(resolve));
    await b.close();
    await written;
    await b.open();
    b.resumeReading();
    await a.write(Buffer.from('next'));
    expect(received.bytes().toString()).toBe('next');
  });

  it('rejects a write that is pending when the link is closed', async () => {
    const [a] = await openedPair();
    const pending = a.write(Buffer.from('x'));
    await a.close();
    await expect(pending).rejects.toThrow(/closed while a write was pending/);
  });
});
