import { describe, expect, it } from 'vitest';
import { createSerialLinkFromSpec } from './link-from-spec.js';
import type { SerialportLink } from './serial/serialport-link.js';
import type { SerialLink } from './serial-link.js';

function settingsOf(link: SerialLink): SerialportLink['settings'] {
  expect(link).toHaveProperty('settings');
  return (link as SerialportLink).settings;
}

describe('createSerialLinkFromSpec', () => {
  it('routes tcp://host:port to a tcp link', () => {
    expect(createSerialLinkFromSpec('tcp://10.0.0.5:4001').description).toBe('tcp://10.0.0.5:4001');
    expect(createSerialLinkFromSpec('TCP://[::1]:4001').description).toBe('tcp://[::1]:4001');
  });

  it('routes pty:/path to a pty link', () => {
    const link = createSerialLinkFromSpec('pty:/tmp/board0');
    expect(link.description).toBe('pty:/tmp/board0');
    expect(link).toHaveProperty('ptsPath', undefined);
  });

  it('routes serial:/dev/x with query parameters to a serialport link', () => {
    const link = createSerialLinkFromSpec('serial:/dev/ttyACM0?baud=921600&rtscts=1&lock=0');
    expect(link.description).toBe('/dev/ttyACM0');
    expect(settingsOf(link)).toMatchObject({ path: '/dev/ttyACM0', baudRate: 921600, rtscts: true, lock: false });
    expect(settingsOf(createSerialLinkFromSpec('serial:///dev/ttyS1')).path).toBe('/dev/ttyS1');
  });

  it('treats a bare path, or anything without a scheme, as a serial device', () => {
    expect(settingsOf(createSerialLinkFromSpec('/dev/ttyUSB0')).path).toBe('/dev/ttyUSB0');
    expect(settingsOf(createSerialLinkFromSpec('ttyUSB0')).path).toBe('ttyUSB0');
    expect(settingsOf(createSerialLinkFromSpec('/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0')).path).toBe(
      '/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0',
    );
  });

  it('takes defaults from options, letting the spec override them', () => {
    expect(settingsOf(createSerialLinkFromSpec('/dev/ttyUSB0', { baudRate: 230400 })).baudRate).toBe(230400);
    expect(settingsOf(createSerialLinkFromSpec('/dev/ttyUSB0?baud=9600', { baudRate: 230400 })).baudRate).toBe(9600);
  });

  it('rejects an unknown scheme, naming it and listing the supported ones', () => {
    expect(() => createSerialLinkFromSpec('rfc2217://host:4001')).toThrow(
      'unknown link scheme "rfc2217:" in "rfc2217://host:4001"; supported: tcp:, pty:, serial: or a bare device path',
    );
  });

  it('rejects a tcp spec without a port, and unknown or malformed serial parameters', () => {
    expect(() => createSerialLinkFromSpec('tcp://host')).toThrow(/needs a host and a port/);
    expect(() => createSerialLinkFromSpec('serial:/dev/x?speed=9600')).toThrow(/unknown serial link parameter "speed"/);
    expect(() => createSerialLinkFromSpec('serial:/dev/x?constructor=1')).toThrow(/unknown serial link parameter/);
    expect(() => createSerialLinkFromSpec('serial:/dev/x?rtscts=maybe')).toThrow(/"rtscts" must be 1 or 0/);
    expect(() => createSerialLinkFromSpec('serial:/dev/x?baud=fast')).toThrow(/serial link parameter "baud" must be a positive integer, got "fast"/);
    expect(() => createSerialLinkFromSpec('')).toThrow(TypeError);
  });
});
