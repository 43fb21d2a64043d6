import { SerialPort } from 'serialport';
import { BaseLink } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';
import { TtyIo } from '../tty/tty-io.js';
import { describeLoss, describeOpenError } from './open-error.js';
import { resolveSerialportOptions, type SerialportLinkOptions, type SerialportSettings } from './serialport-options.js';

export type { SerialportLinkOptions, SerialportSettings } from './serialport-options.js';

type PortBinding = Awaited<ReturnType<typeof SerialPort.binding.open>>;

export interface SerialportLink extends SerialLink {
  /** The options in force, defaults filled in. */
  readonly settings: Readonly<SerialportSettings>;
}

interface Session {
  port: PortBinding;
  io: TtyIo;
}

/**
 * serialport opens, locks and configures the device (and lists ports); the bytes bypass it.
 * Its Linux binding moves every read and write through libuv's threadpool, a round trip that
 * costs more than the line itself at these sizes, so TtyIo reads and writes the same fd on the
 * event loop instead (drivers/tty-latency.bench.ts measures both).
 */
class SerialportLinkImpl extends BaseLink implements SerialportLink {
  readonly description: string;
  private session: Session | undefined;

  constructor(readonly settings: Readonly<SerialportSettings>) {
    super();
    this.description = settings.path;
  }

  protected async doOpen(): Promise<void> {
    const { path } = this.settings;
    let port: PortBinding;
    try {
      port = await SerialPort.binding.open({ ...this.settings });
    } catch (error) {
      throw describeOpenError(path, error);
    }
    const fd = (port as Partial<{ fd: unknown }>).fd;
    if (typeof fd !== 'number') {
      await port.close().catch(() => undefined);
      throw new Error(`cannot open ${path}: serialport's binding on ${process.platform} exposes no file descriptor`);
    }
    let io: TtyIo;
    try {
      io = new TtyIo(fd, { data: (chunk) => this.emitData(chunk), failed: (error) => this.lostIo(io, error) });
    } catch (error) {
      await port.close().catch(() => undefined);
      throw describeOpenError(path, error);
    }
    this.session = { port, io };
    io.setReading(!this.readingPaused);
  }

  // Resolves once the kernel holds the bytes, not once they are on the wire (no tcdrain):
  // the kernel's buffer is a few KiB, which bounds memory just as well, and waiting for the
  // UART to empty before the next write would leave the line idle between writes.
  protected doWrite(bytes: Buffer): Promise<void> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('port is not open'));
    return session.io.write(bytes);
  }

  protected async doClose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    // TtyIo first: it must be off the fd before serialport closes it.
    session.io.close();
    // A failing close() leaves nothing to retry: the kernel has released the fd either way.
    if (session.port.isOpen) await session.port.close().catch(() => undefined);
  }

  protected applyReadingPaused(paused: boolean): void {
    this.session?.io.setReading(!paused);
  }

  private lostIo(io: TtyIo, error: Error): void {
    if (this.session?.io !== io) return;
    this.lose(describeLoss(this.settings.path, error));
  }
}

/** A local serial device (USB CDC-ACM, FTDI, a UART, or a pty someone else owns). */
export function createSerialportLink(options: SerialportLinkOptions): SerialportLink {
  return new SerialportLinkImpl(resolveSerialportOptions(options));
}
