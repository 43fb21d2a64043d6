import { closeSync, openSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativePty } from './native-pty.js';
import { watchPtyPeers, type PtyPeers } from './pty-peers.js';

describe('watchPtyPeers', () => {
  const fds: number[] = [];
  const watches: PtyPeers[] = [];
  afterEach(() => {
    watches.splice(0).forEach((w) => w.stop());
    for (const fd of fds.splice(0)) closeSync(fd);
  });

  it('says when the first program opens the slave and when the last one closes it, not for the ones between', async () => {
    const { master, slave, path } = nativePty().open();
    fds.push(master, slave); // the bridge's own ends, opened before the watch: never counted
    const seen: string[] = [];
    let waiting: (() => void) | undefined;
    const note = (what: string) => () => (seen.push(what), waiting?.());
    watches.push(watchPtyPeers(path, { opened: note('opened'), closed: note('closed') }));
    const closedOnce = () => new Promise<void>((resolve) => (waiting = () => seen.at(-1) === 'closed' && resolve()));

    let done = closedOnce();
    const a = openSync(path, 'r+');
    const b = openSync(path, 'r+'); // a second program (or a second open by the same one)
    closeSync(a); // one is still there: nothing to say
    closeSync(b);
    await done;
    done = closedOnce();
    closeSync(openSync(path, 'r')); // a read-only open counts the same
    await done;
    expect(seen).toEqual(['opened', 'closed', 'opened', 'closed']);
  });
});
