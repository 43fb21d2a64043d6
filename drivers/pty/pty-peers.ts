import { closeSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { TtyIo } from '../tty/tty-io.js';
import { nativePty } from './native-pty.js';

// struct inotify_event: wd, mask, cookie, len (4 bytes each), then len bytes of name.
const EVENT_HEADER = 16;
const IN_OPEN = 0x20;
const IN_CLOSE = 0x08 | 0x10; // IN_CLOSE_WRITE | IN_CLOSE_NOWRITE

export interface PtyPeers {
  stop(): void;
}

export interface PtyPeerHandlers {
  /** Some program opened the slave. */
  opened(): void;
  /** Some program closed it: who is left, ask ptyHolders(). */
  closed(): void;
}

/**
 * Says when a pty's slave is opened or closed by anyone. The bridge's own slave fd keeps the
 * master from ever reading EIO, so this is how it can tell the board program left. The events
 * are hints only: the kernel merges an event with an identical one still unread, so they
 * cannot be counted (ptyHolders() says who holds it).
 */
export function watchPtyPeers(ptsPath: string, handlers: PtyPeerHandlers): PtyPeers {
  const fd = nativePty().watchOpens(ptsPath);
  // TtyIo reads any non-blocking fd on the event loop; inotify hands out whole events per read.
  const io = new TtyIo(fd, {
    data(events) {
      for (let at = 0; at + EVENT_HEADER <= events.length; at += EVENT_HEADER + events.readUInt32LE(at + 12)) {
        const mask = events.readUInt32LE(at + 4);
        if (mask & IN_OPEN) handlers.opened();
        else if (mask & IN_CLOSE) handlers.closed();
      }
    },
    failed: () => undefined, // an inotify fd does not fail; if it did, closes would go unseen, as before
  });
  io.setReading(true);
  return {
    stop() {
      io.close();
      closeSync(fd);
    },
  };
}

/**
 * Who has ptsPath open besides our own fd `ownFd`, as "pid:fd" entries: every /proc/<pid>/fd
 * this process may read is looked at, all at once (a desktop has tens of thousands of fds).
 * Processes it may not read (another user's, as non-root) are taken not to hold it: a pty the
 * bridge made is its user's, mode 0620, so only root could.
 */
export async function ptyHolders(ptsPath: string, ownFd: number): Promise<Set<string>> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).then((target) => (target === ptsPath ? `${pid}:${fd}` : undefined), () => undefined)));
      return links.filter((l): l is string => l !== undefined && !(Number(pid) === process.pid && l === `${pid}:${ownFd}`));
    }),
  );
  return new Set(found.flat());
}
