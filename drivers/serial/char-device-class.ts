import { readlink } from 'node:fs/promises';
import { basename } from 'node:path';

/**
 * The kernel's class of a character device, read from Linux sysfs ("tty" for every serial
 * port, "mem" for /dev/null), without opening it: opening a serial port can toggle DTR and
 * reset the board. Undefined where the kernel does not say (pty slaves have no sysfs entry,
 * other systems no sysfs at all).
 */
export async function charDeviceClass(rdev: bigint): Promise<string | undefined> {
  const { major, minor } = deviceNumbers(rdev);
  const subsystem = await readlink(`/sys/dev/char/${major}:${minor}/subsystem`).catch(() => undefined);
  return subsystem === undefined ? undefined : basename(subsystem);
}

/** A device's major and minor number from stat's rdev (Linux's new_encode_dev: 12 + 20 bits, interleaved). */
export function deviceNumbers(rdev: bigint): { major: bigint; minor: bigint } {
  return { major: ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn), minor: (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn) };
}
