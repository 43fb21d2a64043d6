import { ptyHolders, watchPtyPeers } from './pty-peers.js';

// The kernel moves a pty's bytes to the master asynchronously, so a board's last words (a
// DISCONNECT) may still be on their way when its close is seen: the close is judged once no
// byte came for this long.
const CLOSE_GRACE_MS = 100;

export interface BoardLeavingOptions {
  /** The slave, /dev/pts/N, and the bridge's own fd on it (never counted). */
  ptsPath: string;
  ownFd: number;
  /** Whether anyone acts on a departure now: if not, nothing is scanned. */
  wanted(): boolean;
  /** While true, bytes the bridge has not read are still the board's: the verdict waits. */
  readingPaused(): boolean;
  /** The program(s) on the slave left (a silent newcomer may have opened it since). */
  left(): void;
}

export interface BoardLeaving {
  /** Bytes came from the line. */
  heard(): void;
  stop(): void;
}

/**
 * Says when the board program on a pty the bridge owns has gone: after a close (an inotify
 * hint), once none of the fds seen open before it is still open (/proc), whoever opened the
 * pty since. A newcomer that has already spoken has reset the session itself (its CONNECT, or
 * its HELLO with a new boot id), so it is left alone.
 */
export function watchBoardLeaving(options: BoardLeavingOptions): BoardLeaving {
  const { ptsPath, ownFd } = options;
  let stopped = false;
  let holders = new Set<string>(); // "pid:fd", as last seen
  let before: Set<string> | undefined; // the holders when the pending close was first seen
  let openSeen = false; // a program may come and go before any scan sees it
  let heardSinceClose = false;
  let grace: NodeJS.Timeout | undefined;

  const judge = async (): Promise<void> => {
    const now = await ptyHolders(ptsPath, ownFd);
    if (stopped) return;
    const known = before ?? new Set<string>();
    const opened = openSeen;
    holders = now;
    openSeen = false;
    before = undefined;
    // One it knew still holds it; or it knew none, and cannot tell who left.
    if (known.size > 0 ? [...known].some((h) => now.has(h)) : !opened || now.size > 0) return;
    if (now.size > 0 && heardSinceClose) return;
    options.left();
  };

  const peers = watchPtyPeers(ptsPath, {
    opened() {
      openSeen = true;
      if (!options.wanted()) return;
      void ptyHolders(ptsPath, ownFd).then((now) => {
        if (!stopped) for (const h of now) holders.add(h);
      });
    },
    closed() {
      if (grace === undefined) {
        heardSinceClose = false;
        before = new Set(holders);
      }
      clearTimeout(grace);
      grace = setTimeout(() => {
        if (options.readingPaused()) return void grace?.refresh();
        grace = undefined;
        if (options.wanted()) void judge();
      }, CLOSE_GRACE_MS);
    },
  });

  return {
    heard() {
      grace?.refresh();
      heardSinceClose = true;
    },
    stop() {
      stopped = true;
      clearTimeout(grace);
      peers.stop();
    },
  };
}
