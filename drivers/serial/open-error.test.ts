import { describe, expect, it } from 'vitest';
import { describeLoss, describeOpenError } from './open-error.js';

// Running as root in CI means EACCES cannot be produced for real; these are serialport's texts.
describe('describeOpenError', () => {
  it.each([
    ['Error: No such file or directory, cannot open /dev/ttyUSB0', 'no such device (ENOENT) — is the board plugged in?'],
    ['Error: Permission denied, cannot open /dev/ttyUSB0', 'permission denied (EACCES) — is the user in the dialout group?'],
    ['Error Resource temporarily unavailable Cannot lock port', 'busy (EWOULDBLOCK) — another program holds it'],
    ['Error: Device or resource busy, cannot open /dev/ttyUSB0', 'busy (EBUSY) — another program holds it'],
    ['Error: No such device or address, cannot open /dev/ttyUSB0', 'no such device (ENXIO) — was it unplugged?'],
    ['Error: Inappropriate ioctl for device setting custom baud rate of 115200', 'not a serial device (ENOTTY)'],
  ])('turns "%s" into plain words', (raw, words) => {
    const error = describeOpenError('/dev/ttyUSB0', new Error(raw));
    expect(error.message).toBe(`cannot open /dev/ttyUSB0: ${words}`);
    expect((error.cause as Error).message).toBe(raw);
  });

  it('passes an unknown cause through without the "Error:" noise', () => {
    expect(describeOpenError('/dev/x', new Error('Error: baud rate of 7 is not supported')).message).toBe(
      'cannot open /dev/x: baud rate of 7 is not supported',
    );
  });
});

describe('describeLoss', () => {
  it('names the device and the cause', () => {
    expect(describeLoss('/dev/ttyACM0', new Error('EIO: i/o error, read')).message).toBe(
      '/dev/ttyACM0: device lost (EIO: i/o error, read) — unplugged or reset?',
    );
  });
});
