import { stat } from 'node:fs/promises';
import { charDeviceClass, deviceNumbers } from './char-device-class.js';

// Ttys that are no line to a board: each open of /dev/ptmx makes a new pty that nothing else
// can reach, and /dev/tty is whichever terminal the bridge was started from.
const NOT_A_LINE: Record<string, string> = {
  '5:2': 'the pty multiplexer: each open makes a new pty nobody else can reach (give pty:PATH to have the bridge make one)',
  '5:0': 'the controlling terminal of whoever opens it, not a board\'s line',
};

/**
 * Why an existing path can never be a board's serial line (a file, a folder, /dev/null,
 * /dev/ptmx, a symlink loop), or undefined: a tty, or nothing there yet (it may be plugged in
 * later). Nothing is opened: opening a serial port can toggle DTR and reset the board.
 */
export async function ttyDeviceProblem(path: string): Promise<string | undefined> {
  let found;
  try {
    found = await stat(path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? 'its symlinks point at each other in a loop (ELOOP)' : undefined;
  }
  if (!found.isCharacterDevice()) return `it is ${found.isDirectory() ? 'a folder' : found.isFile() ? 'a regular file' : 'not a device'}, not a serial device`;
  const { major, minor } = deviceNumbers(found.rdev);
  const special = NOT_A_LINE[`${major}:${minor}`];
  if (special) return `it is ${special}`;
  const kind = await charDeviceClass(found.rdev);
  return kind === undefined || kind === 'tty' ? undefined : `it is a ${kind} device, not a serial device (not a tty)`;
}
