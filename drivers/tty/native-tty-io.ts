import { join } from 'node:path';
import { loadAddon, packageRoot } from '../../streams/framing/load-addon.js';

/** build/Release/tty_io.node (drivers/tty/native/tty-io.c). */
export interface NativeTtyIo {
  /** Starts or stops reading; hang-ups are watched for either way. */
  setReading(on: boolean): void;
  /** Bytes the kernel took from bytes[offset..]; short of the end, onWritable follows. */
  write(bytes: Buffer, offset: number): number;
  /** No callback after this; the fd stays open for its owner. */
  close(): void;
}

export type NativeTtyIoClass = new (
  fd: number,
  /** A read: slab[offset, offset + length). Consecutive reads lie back to back in a slab. */
  onData: (slab: ArrayBuffer, offset: number, length: number) => void,
  onWritable: () => void,
  onError: (error: NodeJS.ErrnoException) => void,
) => NativeTtyIo;

let loaded: NativeTtyIoClass | undefined;

/** Loaded on first use, so that importing the drivers never needs the compiled addon. */
export function nativeTtyIo(): NativeTtyIoClass {
  loaded ??= loadAddon<{ TtyIo: NativeTtyIoClass }>('tty_io')?.TtyIo;
  if (!loaded) {
    const expected = join(packageRoot(), 'build', 'Release', 'tty_io.node');
    throw new Error(`the tty I/O addon is not built (expected ${expected}); run npm install to compile it`);
  }
  return loaded;
}
