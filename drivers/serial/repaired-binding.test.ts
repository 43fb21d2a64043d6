import { EventEmitter } from 'node:events';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repairedBinding, type Binding } from './repaired-binding.js';

/** Mimics bindings-cpp's Poller: once() asks the native side for that one event only. */
class FakePoller extends EventEmitter {
  readonly requested: number[] = [];
  poll(flag = 0): void {
    this.requested.push(flag);
  }
  override once(event: string, listener: (...args: unknown[]) => void): this {
    this.poll(event === 'readable' ? 1 : event === 'writable' ? 2 : 4);
    return super.once(event, listener);
  }
}

describe('repairedBinding', () => {
  let dir: string | undefined;
  let fd: number | undefined;

  afterEach(async () => {
    if (fd !== undefined) closeSync(fd);
    if (dir) await rm(dir, { recursive: true, force: true });
    fd = dir = undefined;
  });

  async function openWith(port: object): Promise<{ read: (b: Buffer, o: number, l: number) => Promise<unknown>; poller: FakePoller }> {
    const base = { list: async () => [], open: async () => port } as unknown as Binding;
    return (await repairedBinding(base).open({ path: 'fake', baudRate: 9600 })) as never;
  }

  it('reports a zero-byte read (hang-up) as an error instead of retrying forever', async () => {
    dir = await mkdtemp(join(tmpdir(), 'repaired-binding-'));
    writeFileSync(join(dir, 'empty'), '');
    fd = openSync(join(dir, 'empty'), 'r');
    const port = await openWith({ fd, isOpen: true, poller: new FakePoller(), read: () => new Promise(() => undefined) });
    await expect(port.read(Buffer.alloc(8), 0, 8)).rejects.toThrow(/hung up/);
  });

  it('keeps polling for every event still awaited when another is requested', async () => {
    const port = await openWith({ fd: 0, isOpen: true, poller: new FakePoller() });
    port.poller.once('readable', () => undefined);
    port.poller.once('writable', () => undefined);
    expect(port.poller.requested).toEqual([0b01, 0b11]);
  });
});
