// node-serialport reports open failures as bare strerror() text with no errno code, e.g.
// "Error: No such file or directory, cannot open /dev/ttyUSB0"; this turns them into advice.
const CAUSES: readonly [RegExp, string][] = [
  [/No such file or directory/i, 'no such device (ENOENT) — is the board plugged in?'],
  [/Permission denied/i, 'permission denied (EACCES) — is the user in the dialout group?'],
  [/Cannot lock port|Resource temporarily unavailable/i, 'busy (EWOULDBLOCK) — another program holds it'],
  [/Device or resource busy/i, 'busy (EBUSY) — another program holds it'],
  [/No such device or address/i, 'no such device (ENXIO) — was it unplugged?'],
  [/No such device/i, 'no such device (ENODEV) — was it unplugged?'],
  [/Inappropriate ioctl/i, 'not a serial device (ENOTTY)'],
  [/Is a directory/i, 'is a directory (EISDIR), not a serial device'],
];

export function describeOpenError(path: string, error: unknown): Error {
  const raw = (error instanceof Error ? error.message : String(error)).replace(/^Error:?\s*/, '');
  const known = CAUSES.find(([pattern]) => pattern.test(raw));
  const cause = known ? known[1] : raw;
  return new Error(`cannot open ${path}: ${cause}`, { cause: error });
}

export function describeLoss(path: string, error: unknown): Error {
  const raw = error instanceof Error ? error.message : 'the port closed by itself';
  return new Error(`${path}: device lost (${raw}) — unplugged or reset?`, { cause: error });
}
