import { SerialPort } from 'serialport';
import { BaseLink } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';
import { describeLoss, describeOpenError } from './open-error.js';
import { repairedBinding } from './repaired-binding.js';
import { resolveSerialportOptions, type SerialportLinkOptions, type SerialportSettings } from './serialport-options.js';

export type { SerialportLinkOptions, SerialportSettings } from './serialport-options.js';

const binding = repairedBinding();

export interface SerialportLink extends SerialLink {
  /** The options in force, defaults filled in. */
  readonly settings: Readonly<SerialportSettings>;
}

class SerialportLinkImpl extends BaseLink implements SerialportLink {
  readonly description: string;
  private port: SerialPort | undefined;

  constructor(readonly settings: Readonly<SerialportSettings>) {
    super();
    this.description = settings.path;
  }

  protected doOpen(): Promise<void> {
    const { path } = this.settings;
    // SerialPort takes a binding at runtime, though its typings leave the option out.
    const options = { ...this.settings, autoOpen: false, binding };
    const port = new SerialPort(options as ConstructorParameters<typeof SerialPort>[0]);
    return new Promise((resolve, reject) => {
      port.open((error) => {
        if (error) {
          reject(describeOpenError(path, error));
          return;
        }
        this.attach(port);
        resolve();
      });
    });
  }

  protected doWrite(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error('port is not open'));
    // The write callback means the bytes left node for the OS; drain (tcdrain) means they left
    // the OS too. Waiting for both keeps the queue in the caller's hands, not in the 64 KiB
    // stream buffer.
    return new Promise((resolve, reject) => {
      port.write(bytes, (writeError) => {
        if (writeError) return reject(writeError);
        if (!port.isOpen) return reject(new Error('port closed before the bytes drained'));
        port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
      });
    });
  }

  protected async doClose(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    // A failing close() leaves nothing to retry: the kernel has released the fd either way.
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private attach(port: SerialPort): void {
    this.port = port;
    port.on('data', (chunk: Buffer) => this.emitData(chunk));
    // serialport closes the port itself on read/write failure and reports it as a 'close'
    // carrying err.disconnected; a close we asked for has already cleared this.port.
    port.on('close', (error: Error | null) => {
      if (this.port !== port) return;
      this.port = undefined;
      this.lose(describeLoss(this.settings.path, error));
    });
    port.on('error', (error: Error) => {
      if (this.port !== port) return;
      this.port = undefined;
      this.lose(describeLoss(this.settings.path, error));
      if (port.isOpen) port.close(() => undefined);
    });
  }
}

/** A local serial device (USB CDC-ACM, FTDI, a UART, or a pty someone else owns). */
export function createSerialportLink(options: SerialportLinkOptions): SerialportLink {
  return new SerialportLinkImpl(resolveSerialportOptions(options));
}
