import { describe, expect, it } from 'vitest';
import { BaseLink } from './base-link.js';
import { recordBytes } from './test-support/bytes.js';

/** A driver whose reads the test performs by hand, recording what BaseLink asks of it. */
class HandLink extends BaseLink {
  readonly description = 'hand';
  readonly pauses: boolean[] = [];
  protected async doOpen(): Promise<void> {}
  protected async doWrite(): Promise<void> {}
  protected async doClose(): Promise<void> {}
  protected applyReadingPaused(paused: boolean): void {
    this.pauses.push(paused);
  }
  read(text: string): void {
    this.emitData(Buffer.from(text));
  }
}

async function opened(): Promise<HandLink> {
  const link = new HandLink();
  await link.open();
  return link;
}

describe('BaseLink read flow control', () => {
  it('tells the driver once per change: pause and resume are idempotent', async () => {
    const link = await opened();
    link.pauseReading();
    link.pauseReading();
    link.resumeReading();
    link.resumeReading();
    expect(link.pauses).toEqual([true, false]);
  });

  it('holds what a driver reads after a pause, and delivers it in order on a later turn after resume', async () => {
    const link = await opened();
    const received = recordBytes(link.data$);
    link.read('a');
    link.pauseReading();
    link.read('b');
    link.read('c');
    expect(received.bytes().toString()).toBe('a');
    link.resumeReading();
    expect(received.bytes().toString()).toBe('a');
    link.read('d');
    expect((await received.waitFor(4)).toString()).toBe('abcd');
  });

  it('stops delivering held chunks when a subscriber pauses again', async () => {
    const link = await opened();
    link.pauseReading();
    link.read('1');
    link.read('2');
    const seen: string[] = [];
    link.data$.subscribe((chunk) => {
      seen.push(chunk.toString());
      link.pauseReading();
    });
    link.resumeReading();
    await Promise.resolve();
    expect(seen).toEqual(['1']);
    link.resumeReading();
    await Promise.resolve();
    expect(seen).toEqual(['1', '2']);
  });

  it('drops held chunks on close, so a re-open does not replay them', async () => {
    const link = await opened();
    const received = recordBytes(link.data$);
    link.pauseReading();
    link.read('stale');
    await link.close();
    await link.open();
    link.resumeReading();
    link.read('fresh');
    expect((await received.waitFor(5)).toString()).toBe('fresh');
    expect(link.pauses).toEqual([true, false]);
  });
});
