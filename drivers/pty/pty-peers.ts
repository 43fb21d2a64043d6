import { closeSync } from 'node:fs';
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
  /** The first program opened the slave. */
  opened(): void;
  /** The last program closed it (exited, crashed, was killed). */
  closed(): void;
}

/**
 * Counts the programs that have a pty's slave open, besides the bridge's own fd (opened before
 * the watch starts), and says when the count leaves and falls back to zero. The bridge's own
 * fd keeps the master from ever reading EIO, so this is the only way it can tell.
 */
export function watchPtyPeers(ptsPath: string, handlers: PtyPeerHandlers): PtyPeers {
  const fd = nativePty().watchOpens(ptsPath);
  let peers = 0;
  // TtyIo reads any non-blocking fd on the event loop; inotify hands out whole events per read.
  const io = new TtyIo(fd, {
    data(events) {
      for (let at = 0; at + EVENT_HEADER <= events.length; at += EVENT_HEADER + events.readUInt32LE(at + 12)) {
        const mask = events.readUInt32LE(at + 4);
        if (mask & IN_OPEN && ++peers === 1) handlers.opened();
        else if (mask & IN_CLOSE && peers > 0 && --peers === 0) handlers.closed();
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
