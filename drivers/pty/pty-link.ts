import { closeSync, write } from 'node:fs';
import tty from 'node:tty';
import { BaseLink, messageOf } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';
import { nativePty } from './native-pty.js';
import { placeSymlink, removeSymlinkIfOurs } from './pty-symlink.js';

export interface PtyLinkOptions {
  /** Where the board-side program finds the line, e.g. /tmp/board0 (a symlink to /dev/pts/N). */
  linkPath: string;
}

export interface PtyLink extends SerialLink {
  /** The slave device while open, e.g. /dev/pts/3; undefined otherwise. */
  readonly ptsPath: string | undefined;
}

interface Session {
  master: tty.ReadStream;
  masterFd: number;
  slaveFd: number;
  ptsPath: string;
}

class PtyLinkImpl extends BaseLink implements PtyLink {
  private session: Session | undefined;
  private writeTail: Promise<void> = Promise.resolve();
  private fsWritesPending = 0;

  constructor(private readonly linkPath: string) {
    super();
  }

  get description(): string {
    const pts = this.session?.ptsPath;
    return pts ? `pty:${this.linkPath} -> ${pts}` : `pty:${this.linkPath}`;
  }

  get ptsPath(): string | undefined {
    return this.session?.ptsPath;
  }

  protected async doOpen(): Promise<void> {
    let fds: { master: number; slave: number; path: string };
    try {
      fds = nativePty().open();
      nativePty().flush(fds.master);
    } catch (error) {
      throw new Error(`cannot open pty:${this.linkPath}: ${messageOf(error)}`, { cause: error });
    }
    try {
      await placeSymlink(this.linkPath, fds.path);
    } catch (error) {
      closeSync(fds.master);
      closeSync(fds.slave);
      throw new Error(`cannot open pty:${this.linkPath}: ${messageOf(error)}`, { cause: error });
    }
    // Holding our own slave fd means the master never reads EIO when the board program closes
    // the line, so a board that reattaches finds the same pty, still served.
    const session: Session = {
      master: new tty.ReadStream(fds.master),
      masterFd: fds.master,
      slaveFd: fds.slave,
      ptsPath: fds.path,
    };
    this.session = session;
    // The master fd is blocking; libuv's reads stay non-blocking in practice because a pty
    // read returns at most one 4 KiB line-discipline buffer, never a full 64 KiB read buffer.
    session.master.on('data', (chunk: Buffer) => this.emitData(chunk));
    session.master.on('error', (error) => this.lostSession(session, `pty master failed (${error.message})`));
    session.master.on('close', () => this.lostSession(session, 'pty master closed'));
  }

  // Not through the tty stream: libuv marks a pty master "blocking writes", so a write the board
  // is not reading would stall the whole event loop (node-pty left it for this reason,
  // microsoft/node-pty#831). fs.write blocks a threadpool thread instead and completes once the
  // kernel has taken every byte, which is the backpressure we want.
  protected doWrite(bytes: Buffer): Promise<void> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('pty is not open'));
    const done = this.writeTail.then(() => this.writeAll(session, bytes));
    this.writeTail = done.catch(() => undefined);
    return done;
  }

  protected async doClose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    if (this.fsWritesPending > 0) {
      // A write blocked on a board that is not reading would never return, and its fd must not
      // be closed under it; reading the slave ourselves makes room (those bytes are dropped).
      const drainer = new tty.ReadStream(session.slaveFd);
      drainer.on('data', () => undefined);
      drainer.on('error', () => undefined);
      await this.writeTail;
      await destroyStream(drainer);
    }
    await this.writeTail;
    await destroyStream(session.master);
    closeQuietly(session.slaveFd);
    await removeSymlinkIfOurs(this.linkPath, session.ptsPath);
  }

  private async writeAll(session: Session, bytes: Buffer): Promise<void> {
    for (let offset = 0; offset < bytes.length; ) {
      if (this.session !== session) throw new Error('pty closed');
      offset += await this.writeSome(session.masterFd, bytes, offset);
    }
  }

  private writeSome(fd: number, bytes: Buffer, offset: number): Promise<number> {
    this.fsWritesPending++;
    return new Promise((resolve, reject) => {
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
        this.fsWritesPending--;
        if (error) reject(error);
        else resolve(written);
      });
    });
  }

  private lostSession(session: Session, cause: string): void {
    if (this.session !== session) return;
    this.lose(new Error(`${this.description}: ${cause}`));
  }
}

function destroyStream(stream: tty.ReadStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: libuv may have dup2()ed over it while draining.
  }
}

/**
 * A pseudo-terminal owned by the bridge, its slave exposed at linkPath for the board-side
 * program (an emulator, a debugger bridge) to open as if it were a serial device.
 */
export function createPtyLink(options: PtyLinkOptions): PtyLink {
  if (typeof options?.linkPath !== 'string' || options.linkPath.length === 0) {
    throw new TypeError('pty link option "linkPath" must be a non-empty path');
  }
  return new PtyLinkImpl(options.linkPath);
}
