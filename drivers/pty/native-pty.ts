import { join } from 'node:path';
import { loadAddon, packageRoot } from '../../streams/framing/load-addon.js';

export interface NativePty {
  /** openpty(): both ends raw and close-on-exec; path is the slave, /dev/pts/N. */
  open(): { master: number; slave: number; path: string };
  /** tcflush(fd, TCIOFLUSH), or TCIFLUSH (only what fd has to read) with inputOnly. */
  flush(fd: number, inputOnly?: boolean): void;
  /** A non-blocking inotify fd reporting each open and final close of path (pty-peers.ts). */
  watchOpens(path: string): number;
}

let loaded: NativePty | undefined;

/** Loaded on first use, so that importing the drivers never needs the compiled addon. */
export function nativePty(): NativePty {
  loaded ??= loadAddon<NativePty>('pty');
  if (!loaded) {
    const expected = join(packageRoot(), 'build', 'Release', 'pty.node');
    throw new Error(`the pty addon is not built (expected ${expected}); run npm install to compile it`);
  }
  return loaded;
}
