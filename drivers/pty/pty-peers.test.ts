import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativePty } from './native-pty.js';
import { createPtyLink } from './pty-link.js';
import { ptyHolders, watchPtyPeers, type PtyPeers } from './pty-peers.js';

describe('pty peers', () => {
  const fds: number[] = [];
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fd of fds.splice(0)) closeSync(fd);
    for (const c of cleanups.splice(0)) await c();
  });

  /** A pty link of the bridge's at a fresh path, closed and removed after the test. */
  async function ptyLinkInTmp() {
    const dir = await mkdtemp(join(tmpdir(), 'pty-peers-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const linkPath = join(dir, 'board0');
    const link = createPtyLink({ linkPath });
    await link.open();
    cleanups.push(() => link.close());
    return { link, linkPath };
  }

  it('finds who else has the slave open, leaving out our own fd', async () => {
    const { master, slave, path } = nativePty().open();
    fds.push(master, slave);
    expect(await ptyHolders(path, slave)).toEqual(new Set()); // only ours
    const other = openSync(path, 'r+');
    expect(await ptyHolders(path, slave)).toEqual(new Set([`${process.pid}:${other}`]));
    closeSync(other);
    expect(await ptyHolders(path, slave)).toEqual(new Set());
  });

  it('hints at every open and close', async () => {
    const { master, slave, path } = nativePty().open();
    fds.push(master, slave);
    const seen: string[] = [];
    let closed: () => void = () => undefined;
    const closedSeen = new Promise<void>((resolve) => (closed = resolve));
    const peers: PtyPeers = watchPtyPeers(path, { opened: () => seen.push('opened'), closed: () => (seen.push('closed'), closed()) });
    cleanups.push(() => peers.stop());
    closeSync(openSync(path, 'r'));
    await closedSeen;
    expect(seen).toEqual(['opened', 'closed']);
  });

  it('reports the board program gone only once nobody has the slave open, however the kernel merged the events', async () => {
    const { link, linkPath } = await ptyLinkInTmp();
    let lastClosed = false;
    const reported = firstValueFrom(link.peerClosed$).then((detail) => ({ detail, lastClosed }));
    // Two opens in a row reach the watcher as one event (the kernel merges identical unread
    // events), so a count would reach zero at the first close.
    const a = openSync(linkPath, 'r+');
    const b = openSync(linkPath, 'r+');
    await new Promise((resolve) => setImmediate(resolve));
    closeSync(a);
    // Time for a wrong report to come (the grace is 100 ms): the program still holds b.
    await new Promise((resolve) => setTimeout(resolve, 400));
    lastClosed = true;
    closeSync(b);
    const { detail, lastClosed: afterLast } = await reported;
    expect(afterLast).toBe(true);
    expect(detail).toMatch(/the program on .*board0 \(\/dev\/pts\/\d+\) closed it/);
  });

  it('hands the next program nothing the last one left unread', async () => {
    const { link, linkPath } = await ptyLinkInTmp();
    const first = openSync(linkPath, 'r+');
    const gone = firstValueFrom(link.peerClosed$);
    await link.write(Buffer.from('for the first program only'));
    closeSync(first); // it never read them
    await gone;
    const next = openSync(linkPath, 'r+');
    fds.push(next);
    await link.write(Buffer.from('fresh'));
    const got = Buffer.alloc(64);
    expect(got.subarray(0, readSync(next, got)).toString()).toBe('fresh');
  });

  it('a program that opens the pty right after the last one left: the last one is still reported gone, unless the new one has spoken', async () => {
    const { link, linkPath } = await ptyLinkInTmp();
    const reports: string[] = [];
    link.peerClosed$.subscribe((d) => reports.push(d));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 400)); // past the 100 ms grace and the scan
    // A reader takes over at once and says nothing: the last program's session must end.
    const first = openSync(linkPath, 'r+');
    await settle(); // the bridge has seen who holds it
    const reported = firstValueFrom(link.peerClosed$);
    closeSync(first);
    // The bridge tells programs apart by pid and fd: the same process reusing the fd number
    // would look like the same program, so this one is kept off it.
    fds.push(openSync('/dev/null', 'r'));
    const silent = openSync(linkPath, 'r+');
    fds.push(silent);
    await reported;
    expect(reports).toHaveLength(1);
    // A new program that speaks at once resets the session itself (its CONNECT or HELLO): the
    // bridge must not end it under the new program.
    await settle();
    closeSync(fds.pop() as number);
    fds.push(openSync('/dev/null', 'r'));
    const talker = openSync(linkPath, 'r+');
    fds.push(talker);
    writeSync(talker, Buffer.from('hello from the new program'));
    await settle();
    expect(reports).toHaveLength(1);
  });
});
