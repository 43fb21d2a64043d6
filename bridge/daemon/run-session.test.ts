import { describe, expect, it } from 'vitest';
import { hostWindowFor } from './run-session.js';
import { FAST_LINE_HOST_WINDOW, HOST_WINDOW } from '../../streams/link/defaults.js';

describe('hostWindowFor', () => {
  it('gives lines with no wire behind them the large window, and every serial line the small one', () => {
    expect(FAST_LINE_HOST_WINDOW).toBeGreaterThan(HOST_WINDOW);
    for (const port of ['pty:/tmp/board', 'PTY:/tmp/board', 'listen://127.0.0.1:0', 'LISTEN://[::1]:7000']) expect(hostWindowFor(port)).toBe(FAST_LINE_HOST_WINDOW);
    // tcp:// is a serial server (ser2net): a UART behind it, with its bit errors.
    for (const port of ['/dev/ttyACM0', 'serial:/dev/ttyUSB0', '/dev/serial/by-id/usb-x', 'tcp://127.0.0.1:3333']) expect(hostWindowFor(port)).toBe(HOST_WINDOW);
  });
});
