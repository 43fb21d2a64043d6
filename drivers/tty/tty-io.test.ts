import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativePty } from '../pty/native-pty.js';
import { firstDifference, patternBytes, recordBytes, type ByteRecorder } from '../test-support/bytes.js';
import { loopTurns } from '../test-support/stall.js';
import { TtyIo } from './tty-io.js';

interface End {
  io: TtyIo;
  fd: number;
  received: ByteRecorder;
  failure: Promise<NodeJS.ErrnoException>;
}

describe('TtyIo', () => {
  const fds = new Set<number>();
  const ios: TtyIo[] = [];

  afterEach(() => {
    ios.splice(0).forEach((io) => io.close());
    for (const fd of fds) closeSync(fd);
    fds.clear();
  });

  function attach(fd: number): End {
    const data$ = new Subject<Buffer>();
    let failed: (error: NodeJS.ErrnoException) => void = () => undefined;
    const failure = new Promise<NodeJS.ErrnoException>((resolve) => (failed = resolve));
    const io = new TtyIo(fd, { data: (chunk) => data$.next(chunk), failed });
    ios.push(io);
    return { io, fd, received: recordBytes(data$), failure };
  }

  /** Both ends of a fresh pty, each with its own TtyIo. */
  function pty(): { master: End; slave: End } {
    const { master, slave } = nativePty().open();
    fds.add(master).add(slave);
    return { master: attach(master), slave: attach(slave) };
  }

  function closeFd(fd: number): void {
    closeSync(fd);
    fds.delete(fd);
  }

  it('reads nothing until reading is on, then what the other side wrote', async () => {
    const { master, slave } = pty();
    await slave.io.write(Buffer.from('early'));
    await loopTurns(5);
    expect(master.received.length).toBe(0);
    master.io.setReading(true);
    expect((await master.received.waitFor(5)).toString()).toBe('early');
  });

  it('puts the first write of a turn in the kernel at once, and joins the rest of the turn behind it, in order', async () => {
    const { master, slave } = pty();
    slave.io.setReading(true);
    const writes = [master.io.write(Buffer.from('one')), master.io.write(Buffer.from('two')), master.io.write(Buffer.from('three'))];
    // Already in the pty before this turn ends: readable from the slave fd right now.
    const now = Buffer.alloc(16);
    slave.io.setReading(false);
    expect(readSync(slave.fd, now, 0, now.length, null)).toBe(3);
    expect(now.subarray(0, 3).toString()).toBe('one');
    slave.io.setReading(true);
    await Promise.all(writes);
    expect((await slave.received.waitFor(8)).toString()).toBe('twothree');
  });

  it('holds a write back while the other side does not read, without blocking the loop, and completes it once it reads', async () => {
    const { master, slave } = pty();
    const big = patternBytes(1 << 20, 9);
    let done = false;
    const writing = master.io.write(big).then(() => (done = true));
    expect(await loopTurns(50)).toBe(50);
    expect(done).toBe(false);
    slave.io.setReading(true);
    await writing;
    const got = await slave.received.waitFor(big.length);
    expect(firstDifference(got, big)).toBe(-1);
  });

  it('discards the writes still waiting for the kernel, and goes on writing the next ones', async () => {
    const { master, slave } = pty();
    const big = patternBytes(1 << 20, 11);
    const held = master.io.write(big).then(() => 'written', (e: Error) => e.message);
    expect(await loopTurns(20)).toBe(20);
    master.io.discardPending(new Error('the reader left'));
    expect(await held).toBe('the reader left');
    nativePty().flush(slave.fd); // what the kernel had already taken, as the pty link does
    await master.io.write(Buffer.from('next'));
    slave.io.setReading(true);
    expect((await slave.received.waitFor(4)).toString()).toBe('next');
  });

  it('reports the other side hanging up, whether reading or not, and then refuses writes', async () => {
    for (const reading of [true, false]) {
      const { master, slave } = pty();
      slave.io.close();
      master.io.setReading(reading);
      // The pty's only slave fd: closing it hangs the line up for the master.
      closeFd(slave.fd);
      const error = await master.failure;
      expect(error.message).toMatch(/^the line hung up|^read: i\/o error/);
      await expect(master.io.write(Buffer.from('x'))).rejects.toBe(error);
    }
  });

  it('close() rejects pending writes, calls nothing back afterwards, and leaves the fd open', async () => {
    const { master, slave } = pty();
    master.io.setReading(true);
    const pending = master.io.write(patternBytes(1 << 20, 4));
    master.io.close();
    master.io.close();
    await expect(pending).rejects.toThrow('closed while a write was pending');
    writeSync(slave.fd, 'after close');
    await loopTurns(5);
    expect(master.received.length).toBe(0);
    expect(fstatSync(master.fd).isCharacterDevice()).toBe(true);
  });

  it('hands out consecutive reads back to back in one slab, and never reuses bytes it handed out', async () => {
    const { master, slave } = pty();
    const sent = patternBytes(600 * 1024, 7); // several slabs' worth
    const chunks: Buffer[] = [];
    let got = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    slave.io.close();
    const io = new TtyIo(slave.fd, { data: (chunk) => (chunks.push(chunk), (got += chunk.length) >= sent.length && done()), failed: () => undefined });
    ios.push(io);
    io.setReading(true);
    await Promise.all([master.io.write(sent), all]);
    // Checked only now, after every slab was filled: earlier views still hold their bytes.
    expect(firstDifference(Buffer.concat(chunks), sent)).toBe(-1);
    const slabs = new Set(chunks.map((c) => c.buffer));
    // pty reads of a few KiB share slabs, and the 600 KiB fill more than one.
    expect(slabs.size).toBeGreaterThan(1);
    let sharing = 0;
    for (let i = 1; i < chunks.length; i++) {
      if (chunks[i].buffer !== chunks[i - 1].buffer) {
        expect(chunks[i].byteOffset).toBe(0);
        continue;
      }
      sharing++;
      expect(chunks[i].byteOffset).toBe(chunks[i - 1].byteOffset + chunks[i - 1].length);
    }
    expect(sharing).toBeGreaterThan(chunks.length / 2);
  });

  it('refuses an fd that is not open, naming the cause', () => {
    const { master } = pty();
    master.io.close();
    closeFd(master.fd);
    const failed = (): void => void new TtyIo(master.fd, { data: () => undefined, failed: () => undefined });
    expect(failed).toThrow(/making the fd non-blocking: bad file descriptor/);
  });
});
