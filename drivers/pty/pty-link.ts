import { closeSync } from 'node:fs';
import { Subject, type Observable } from 'rxjs';
import { BaseLink, messageOf } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';
import { TtyIo } from '../tty/tty-io.js';
import { nativePty } from './native-pty.js';
import { watchBoardLeaving, type BoardLeaving } from './board-leaving.js';
import { placeSymlink, removeSymlinkIfOurs } from './pty-symlink.js';

export interface PtyLinkOptions {
  /** Where the board-side program finds the line, e.g. /tmp/board0 (a symlink to /dev/pts/N). */
  linkPath: string;
}

export interface PtyLink extends SerialLink {
  /** The slave device while open, e.g. /dev/pts/3; undefined otherwise. */
  readonly ptsPath: string | undefined;
  /** The program on the slave closed it, and no other has it open (the pty stays, for the next). */
  readonly peerClosed$: Observable<string>;
}

interface Session {
  io: TtyIo;
  leaving: BoardLeaving;
  masterFd: number;
  slaveFd: number;
  ptsPath: string;
}

class PtyLinkImpl extends BaseLink implements PtyLink {
  private session: Session | undefined;
  private readonly peerClosed = new Subject<string>();
  readonly peerClosed$: Observable<string> = this.peerClosed.asObservable();

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
    let session: Session;
    try {
      // Not tty.ReadStream/WriteStream: libuv marks a pty master "blocking writes", so a write
      // the board is not reading would stall the whole event loop (node-pty left it for this
      // reason, microsoft/node-pty#831); nor fs.write, a threadpool round trip per write.
      const io: TtyIo = new TtyIo(fds.master, { data: (chunk) => this.masterData(chunk), failed: (error) => this.lostIo(io, error) });
      let leaving: BoardLeaving;
      try {
        leaving = watchBoardLeaving({
          ptsPath: fds.path,
          ownFd: fds.slave,
          // Only for a link whose user acts on it (the bridge's board loop): a sim owning its
          // pty has nothing to flush when the bridge on the other end reopens it.
          wanted: () => this.peerClosed.observed,
          readingPaused: () => this.readingPaused,
          left: () => this.boardLeft(),
        });
      } catch (error) {
        io.close();
        throw error;
      }
      session = { io, leaving, masterFd: fds.master, slaveFd: fds.slave, ptsPath: fds.path };
    } catch (error) {
      closeQuietly(fds.master);
      closeQuietly(fds.slave);
      throw new Error(`cannot open pty:${this.linkPath}: ${messageOf(error)}`, { cause: error });
    }
    try {
      await placeSymlink(this.linkPath, fds.path);
    } catch (error) {
      session.leaving.stop();
      session.io.close();
      closeQuietly(fds.master);
      closeQuietly(fds.slave);
      throw new Error(`cannot open pty:${this.linkPath}: ${messageOf(error)}`, { cause: error });
    }
    // Holding our own slave fd means the master never reads EIO when the board program closes
    // the line, so a board that reattaches finds the same pty, still served; the close itself
    // is reported as peerClosed$ (board-leaving.ts).
    this.session = session;
    session.io.setReading(!this.readingPaused);
  }

  // Resolves once the kernel has taken every byte: a board that stops reading holds the write
  // back (the pty's buffer is a few KiB) without blocking anything else.
  protected doWrite(bytes: Buffer): Promise<void> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('pty is not open'));
    return session.io.write(bytes);
  }

  protected async doClose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.leaving.stop(); // first: our own closes below are no board leaving
    session.io.close();
    closeQuietly(session.masterFd);
    closeQuietly(session.slaveFd);
    await removeSymlinkIfOurs(this.linkPath, session.ptsPath);
  }

  protected applyReadingPaused(paused: boolean): void {
    this.session?.io.setReading(!paused);
  }

  private masterData(chunk: Buffer): void {
    this.session?.leaving.heard();
    this.emitData(chunk);
  }

  /** The board program left (board-leaving.ts): what was meant for it is not the next one's. */
  private boardLeft(): void {
    const session = this.session;
    if (!session) return;
    session.io.discardPending(new Error(`${this.description}: the program on it closed it before this was written`));
    // Only the board-bound queue: what the master has to read is a newcomer's first words (the
    // last program's were read during the grace).
    try {
      nativePty().flush(session.slaveFd, true);
    } catch {
      // Nothing to do: the next program may read a stale byte or two, as after a power cut.
    }
    this.peerClosed.next(`the program on ${this.linkPath} (${session.ptsPath}) closed it`);
  }

  private lostIo(io: TtyIo, error: Error): void {
    if (this.session?.io !== io) return;
    this.lose(new Error(`${this.description}: pty master failed (${error.message})`, { cause: error }));
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing to retry: the kernel releases the fd even when close() reports an error.
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
