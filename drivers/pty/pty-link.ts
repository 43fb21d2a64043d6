import { closeSync } from 'node:fs';
import { Subject, type Observable } from 'rxjs';
import { BaseLink, messageOf } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';
import { TtyIo } from '../tty/tty-io.js';
import { nativePty } from './native-pty.js';
import { ptyHolders, watchPtyPeers, type PtyPeers } from './pty-peers.js';
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
  peers: PtyPeers;
  /** The programs' fds on the slave ("pid:fd") as last seen. */
  holders: Set<string>;
  /** Bytes came from the line since the last close was seen. */
  heardSinceClose: boolean;
  /** An open was seen since the last check: a program may have come and gone before a scan saw it. */
  openSeen: boolean;
  /** The holders known when the first close of a pending check was seen (opens after it are new programs). */
  before: Set<string> | undefined;
  masterFd: number;
  slaveFd: number;
  ptsPath: string;
}

// The kernel moves a pty's bytes to the master asynchronously, so a board's last words (a
// DISCONNECT) may still be on their way when its close is seen: the close is reported once no
// byte came for this long.
const CLOSE_GRACE_MS = 100;

class PtyLinkImpl extends BaseLink implements PtyLink {
  private session: Session | undefined;
  private readonly peerClosed = new Subject<string>();
  readonly peerClosed$: Observable<string> = this.peerClosed.asObservable();
  private peerClosing: NodeJS.Timeout | undefined;

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
      let peers: PtyPeers;
      try {
        peers = watchPtyPeers(fds.path, {
          opened: () => this.learnHolders(),
          closed: () => this.peerLeft(),
        });
      } catch (error) {
        io.close();
        throw error;
      }
      session = { io, peers, holders: new Set(), heardSinceClose: false, openSeen: false, before: undefined, masterFd: fds.master, slaveFd: fds.slave, ptsPath: fds.path };
    } catch (error) {
      closeQuietly(fds.master);
      closeQuietly(fds.slave);
      throw new Error(`cannot open pty:${this.linkPath}: ${messageOf(error)}`, { cause: error });
    }
    try {
      await placeSymlink(this.linkPath, fds.path);
    } catch (error) {
      session.peers.stop();
      session.io.close();
      closeQuietly(fds.master);
      closeQuietly(fds.slave);
      throw new Error(`cannot open pty:${this.linkPath}: ${messageOf(error)}`, { cause: error });
    }
    // Holding our own slave fd means the master never reads EIO when the board program closes
    // the line, so a board that reattaches finds the same pty, still served; the close itself
    // is reported as peerClosed$ (pty-peers.ts).
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
    session.peers.stop(); // first: our own closes below are no board leaving
    this.cancelPeerClosed();
    session.io.close();
    closeQuietly(session.masterFd);
    closeQuietly(session.slaveFd);
    await removeSymlinkIfOurs(this.linkPath, session.ptsPath);
  }

  protected applyReadingPaused(paused: boolean): void {
    this.session?.io.setReading(!paused);
  }

  private masterData(chunk: Buffer): void {
    this.peerClosing?.refresh();
    if (this.session) this.session.heardSinceClose = true;
    this.emitData(chunk);
  }

  /** Who holds the slave now: learnt at every open, so that a close can tell who left. */
  private learnHolders(): void {
    const session = this.session;
    if (!session) return;
    session.openSeen = true;
    if (!this.peerClosed.observed) return;
    void ptyHolders(session.ptsPath, session.slaveFd).then((now) => {
      if (this.session === session) for (const h of now) session.holders.add(h);
    });
  }

  private peerLeft(): void {
    const pending = this.peerClosing !== undefined;
    this.cancelPeerClosed();
    if (this.session && !pending) {
      this.session.heardSinceClose = false;
      this.session.before = new Set(this.session.holders);
    }
    this.peerClosing = setTimeout(() => {
      // Bytes the bridge is not reading yet are still the board's: report it after them.
      if (this.readingPaused) return void this.peerClosing?.refresh();
      this.peerClosing = undefined;
      const session = this.session;
      // Only for a link whose user acts on it (the bridge's board loop): a sim owning its pty
      // has nothing to flush when the bridge on the other end reopens it.
      if (session && this.peerClosed.observed) void this.checkPeerGone(session);
    }, CLOSE_GRACE_MS);
  }

  /**
   * After a close: the board program is gone once none of the fds seen open is still open,
   * even if a new program opened the pty meanwhile (it starts a session of its own).
   */
  private async checkPeerGone(session: Session): Promise<void> {
    const now = await ptyHolders(session.ptsPath, session.slaveFd);
    if (this.session !== session) return;
    const known = session.before ?? new Set<string>();
    const opened = session.openSeen;
    session.holders = now;
    session.openSeen = false;
    session.before = undefined;
    if (known.size > 0 ? [...known].some((h) => now.has(h)) : !opened || now.size > 0) return; // one it knew still holds it; or it knew none, and cannot tell who left
    // A new program that has already spoken has reset the session itself (its CONNECT, or its
    // HELLO with a new boot id, ends the last program's connections): ending it now would end
    // the new program's own.
    if (now.size > 0 && session.heardSinceClose) return;
    // What the bridge had queued or sent for the last program is not the next one's. What the
    // master has to read is left alone: the last program's bytes were read during the grace,
    // so anything there is a new program's first words.
    session.io.discardPending(new Error(`${this.description}: the program on it closed it before this was written`));
    try {
      nativePty().flush(session.slaveFd, true);
    } catch {
      // Nothing to do: the next program may read a stale byte or two, as after a power cut.
    }
    this.peerClosed.next(`the program on ${this.linkPath} (${session.ptsPath}) closed it`);
  }

  private cancelPeerClosed(): void {
    clearTimeout(this.peerClosing);
    this.peerClosing = undefined;
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
