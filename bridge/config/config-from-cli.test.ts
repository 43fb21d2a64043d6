import { describe, expect, it } from 'vitest';
import { boardNameForPort, configFromCli } from './config-from-cli.js';
import { ConfigError } from './config-error.js';
import { parseConfig } from './parse-config.js';

describe('configFromCli', () => {
  it('gives the same shape as a file with one board named after its port', () => {
    const fromCli = configFromCli({ port: '/dev/ttyACM0', link: 'raw', broker: 'tcp://127.0.0.1:1884' });
    const fromFile = parseConfig(
      { broker: 'tcp://127.0.0.1:1884', boards: [{ name: 'ttyACM0', port: '/dev/ttyACM0', link: 'raw' }] },
      'command line',
    );
    expect(fromCli).toEqual(fromFile);
  });

  it('defaults to a framed link and the embedded broker', () => {
    const config = configFromCli({ port: 'pty:/tmp/board0' });
    expect(config.broker).toBe('embedded');
    expect(config.boards[0]).toMatchObject({ name: 'board0', link: 'framed', broker: 'embedded', baudRate: 115200 });
  });

  it.each([
    [{ port: '/dev/ttyACM0', link: 'cobs' }, 'command line: --link: expected one of framed, raw, got "cobs"'],
    [{}, 'command line: --port: required'],
    [{ port: 'tcp://host' }, 'command line: --port: expected tcp://host:port, got "tcp://host"'],
    [
      { port: '/dev/ttyACM0', broker: 'http://b' },
      'command line: --broker: unsupported scheme "http://" in broker URL "http://b"; supported: tcp://, mqtt://, ssl://, mqtts://, ws://, wss://, or "embedded"',
    ],
  ])('names the option in errors: %j', (options, message) => {
    expect(() => configFromCli(options)).toThrow(ConfigError);
    expect(() => configFromCli(options)).toThrow(message);
  });
});

describe('boardNameForPort', () => {
  it.each([
    ['/dev/ttyACM0', 'ttyACM0'],
    ['/dev/serial/by-id/usb-DisplayLink_DL-7450_0042-if00', 'usb-DisplayLink_DL-7450_0042-if00'],
    ['serial:/dev/ttyUSB0?baud=921600', 'ttyUSB0'],
    ['pty:/tmp/board0', 'board0'],
    ['tcp://10.0.0.5:4001', '10.0.0.5-4001'],
    ['listen://[::1]:5000', '1-5000'],
    ['listen://127.0.0.1:0', '127.0.0.1'],
    ['tcp://.hidden.:4001', 'hidden.-4001'],
    ['COM3', 'COM3'],
    ['/dev/tty with space', 'tty_with_space'],
    ['', 'board'],
    ['/', 'board'],
  ])('%j -> %j', (port, name) => {
    expect(boardNameForPort(port)).toBe(name);
  });
});
