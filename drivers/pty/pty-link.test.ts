import { lstat, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSerialportLink } from '../serial/serialport-link.js';
import type { SerialLinkState } from '../serial-link.js';
import { patternBytes, recordBytes } from '../test-support/bytes.js';
import { describeSerialLinkContract } from '../test-support/serial-link-contract.js';
import { createPtyLink, type PtyLink } from './pty-link.js';

describeSerialLinkContract('pty link (board attached with serialport)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pty-link-'));
  const linkPath = join(dir, 'board0');
  const link = createPtyLink({ linkPath });
  const board = createSerialportLink({ path: linkPath });
  return {
    link,
    peer: board,
    attachPeer: () => board.open(),
    cleanup: async () => {
      await board.close();
      await link.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('pty link', () => {
  let dir: string;
  let linkPath: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pty-link-'));
    linkPath = join(dir, 'board0');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function openLink(): Promise<PtyLink> {
    const link = createPtyLink({ linkPath });
    cleanups.push(() => link.close());
    await link.open();
    return link;
  }

  it('exposes its pts at linkPath and says so in its description', async () => {
    const link = await openLink();
    expect(link.ptsPath).toMatch(/^\/dev\/pts\/\d+$/);
    expect(await readlink(linkPath)).toBe(link.ptsPath);
    expect(link.description).toBe(`pty:${linkPath} -> ${link.ptsPath}`);
  });

  it('removes its symlink on close', async () => {
    const link = await openLink();
    await link.close();
    await expect(lstat(linkPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(link.ptsPath).toBeUndefined();
  });

  it('leaves linkPath alone on close if someone else has re-pointed it', async () => {
    const link = await openLink();
    await rm(linkPath);
    await symlink('/dev/null', linkPath);
    await link.close();
    expect(await readlink(linkPath)).toBe('/dev/null');
  });

  it('replaces a stale symlink left by a crashed run', async () => {
    await symlink('/dev/pts/99999', linkPath);
    const link = await openLink();
    expect(await readlink(linkPath)).toBe(link.ptsPath);
  });

  it('refuses to replace a regular file at linkPath, and leaves it intact', async () => {
    await writeFile(linkPath, 'precious');
    const link = createPtyLink({ linkPath });
    await expect(link.open()).rejects.toThrow(`cannot open pty:${linkPath}: refusing to replace ${linkPath}: it exists and is a regular file`);
    expect(await readFile(linkPath, 'utf8')).toBe('precious');
  });

  it('keeps serving when the board program closes the line and opens it again', async () => {
    const link = await openLink();
    const states: SerialLinkState['type'][] = [];
    const subscription = link.state$.subscribe((s) => states.push(s.type));
    const atLink = recordBytes(link.data$);
    for (const round of [1, 2, 3]) {
      const board = createSerialportLink({ path: linkPath });
      await board.open();
      const atBoard = recordBytes(board.data$);
      await board.write(Buffer.from(`up${round}`));
      await atLink.waitFor(round * 3);
      await link.write(Buffer.from(`down${round}`));
      expect((await atBoard.waitFor(5)).toString()).toBe(`down${round}`);
      await board.close();
      // Nobody attached: must not fail the link, and must not reach the next board.
      await link.write(Buffer.from('into the void'));
    }
    expect(atLink.bytes().toString()).toBe('up1up2up3');
    expect(states).toEqual(['opened']);
    subscription.unsubscribe();
  });

  it('resolves a write only once the board has read most of it', async () => {
    const link = await openLink();
    // A raw port with no 'data' listener reads nothing until one is attached.
    const board = new SerialPort({ path: linkPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => board.open((e) => (e ? reject(e) : resolve())));
    cleanups.push(() => new Promise((resolve) => board.close(() => resolve())));
    const size = 1 << 20;
    let received = 0;
    let receivedWhenResolved = -1;
    const written = link.write(patternBytes(size, 3)).then(() => (receivedWhenResolved = received));
    board.on('data', (chunk: Buffer) => (received += chunk.length));
    await written;
    // The pty itself buffers well under 256 KiB; anything more would be user-space queueing.
    expect(receivedWhenResolved).toBeGreaterThan(size - 256 * 1024);
  });

  it('closes promptly while a write is stuck on a board that never reads', async () => {
    const link = await openLink();
    const board = new SerialPort({ path: linkPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => board.open((e) => (e ? reject(e) : resolve())));
    cleanups.push(() => new Promise((resolve) => board.close(() => resolve())));
    const stuck = expect(link.write(patternBytes(1 << 20, 5))).rejects.toThrow(/closed while a write was pending/);
    await link.close();
    await stuck;
    await expect(lstat(linkPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('requires a linkPath', () => {
    expect(() => createPtyLink({ linkPath: '' })).toThrow(/"linkPath"/);
  });
});
