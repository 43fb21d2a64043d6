import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_BOARD_SETTINGS } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { parseConfig } from './parse-config.js';

function problem(value: unknown): ConfigError {
  try {
    parseConfig(value, 'bench.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the config was accepted');
}

const board = (extra: Record<string, unknown> = {}) => ({ name: 'bench-a', port: '/dev/ttyACM0', ...extra });

describe('parseConfig', () => {
  it('fills a minimal config with the built-in defaults', () => {
    expect(parseConfig({ boards: [board()] }, 'bench.yaml')).toEqual({
      source: 'bench.yaml',
      broker: 'embedded',
      log: { level: 'info' },
      boards: [
        {
          name: 'bench-a',
          port: '/dev/ttyACM0',
          broker: 'embedded',
          link: 'framed',
          baudRate: 115200,
          maxPacketBytes: 16777216,
          queueBytes: 65536,
          stallTimeoutMs: 30000,
          connectTimeoutMs: 5000,
          helloTimeoutMs: 60000,
          cutProfile: 'fin',
          captureSecrets: false,
          power: { driver: 'none' },
        },
      ],
    });
  });

  it('takes a cut profile and a power driver per board', () => {
    const config = parseConfig(
      {
        defaults: { cutProfile: 'silent' },
        boards: [
          board({ power: { driver: 'uhubctl', location: '1-1.4', port: 2 } }),
          { name: 'b', port: '/dev/ttyACM1', cutProfile: 'rst', power: { driver: 'command', on: ['relayctl', '1', 'on'], off: ['relayctl', '1', 'off'] } },
          { name: 'c', port: '/dev/ttyACM2', power: { driver: 'mqtt-plug', broker: 'mqtt://10.0.0.2', name: 'plug-3' } },
          { name: 'd', port: '/dev/ttyACM3', power: { driver: 'modem', port: '/dev/ttyUSB5', line: 'rts', mode: 'pulse', pulseMs: 200 } },
          { name: 'e', port: 'pty:/tmp/e', power: { driver: 'sim', pidFile: '/tmp/e.pid' } },
        ],
      },
      'bench.yaml',
    );
    expect(config.boards.map((b) => [b.cutProfile, b.power.driver])).toEqual([
      ['silent', 'uhubctl'],
      ['rst', 'command'],
      ['silent', 'mqtt-plug'],
      ['silent', 'modem'],
      ['silent', 'sim'],
    ]);
    expect(config.boards[0].power).toEqual({ driver: 'uhubctl', location: '1-1.4', port: 2 });
  });

  it('resolves each setting: explicit, else defaults, else built in', () => {
    const config = parseConfig(
      {
        broker: 'tcp://broker.bench:1883',
        log: { level: 'debug' },
        defaults: { link: 'raw', baudRate: 230400, queueBytes: 4096 },
        boards: [
          board({ link: 'framed', broker: 'tcp://127.0.0.1:1884', baudRate: 921600, stallTimeoutMs: 1000 }),
          { name: 'bench_b.2', port: 'tcp://10.0.0.5:4001' },
        ],
      },
      'bench.yaml',
    );
    expect(config.log.level).toBe('debug');
    expect(config.broker).toMatchObject({ href: 'tcp://broker.bench:1883' });
    const [a, b] = config.boards;
    expect(a).toMatchObject({ link: 'framed', baudRate: 921600, queueBytes: 4096, stallTimeoutMs: 1000, connectTimeoutMs: 5000 });
    expect(a.broker).toMatchObject({ scheme: 'tcp', host: '127.0.0.1', port: 1884 });
    expect(b).toMatchObject({ link: 'raw', baudRate: 230400, queueBytes: 4096, maxPacketBytes: BUILT_IN_BOARD_SETTINGS.maxPacketBytes });
    expect(b.broker).toBe(config.broker);
  });

  it('lets a board go to the embedded broker when the bench has a real one', () => {
    const config = parseConfig({ broker: 'mqtt://broker.bench', boards: [board({ broker: 'embedded' })] }, 'bench.yaml');
    expect(config.boards[0].broker).toBe('embedded');
  });

  it.each([
    ['/dev/ttyACM0'],
    ['/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0'],
    ['serial:/dev/ttyUSB0?baud=921600&rtscts=1'],
    ['pty:/tmp/board0'],
    ['tcp://10.0.0.5:4001'],
    ['tcp://[::1]:4001'],
    ['listen://0.0.0.0:5000?allowAnyAddress=1'],
    ['listen://[::1]:0'],
    ['COM3'],
  ])('accepts port %s', (port) => {
    expect(parseConfig({ boards: [board({ port })] }, 'bench.yaml').boards[0].port).toBe(port);
  });

  it('names the file, the key path and the bad value', () => {
    expect(() => parseConfig({ boards: [board(), board({ name: 'b', baudRate: 'fast' })] }, 'bench.yaml')).toThrow(
      new ConfigError('bench.yaml', [{ path: 'boards[1].baudRate', message: 'expected a positive integer, got "fast"' }]),
    );
    expect(problem({ boards: [board({ baudRate: 'fast' })] }).message).toBe(
      'bench.yaml: boards[0].baudRate: expected a positive integer, got "fast"',
    );
  });

  it('refuses an unknown key at any depth', () => {
    expect(problem({ boards: [board({ colour: 'red' })] }).message).toBe('bench.yaml: boards[0].colour: unknown key');
    expect(problem({ boards: [board()], logging: {} }).message).toBe('bench.yaml: logging: unknown key');
    expect(problem({ boards: [board()], defaults: { broker: 'embedded' } }).message).toBe('bench.yaml: defaults.broker: unknown key');
    expect(problem({ boards: [board()], log: { level: 'info', file: 'x' } }).message).toBe('bench.yaml: log.file: unknown key');
  });

  it.each([
    [{ boards: [board({ link: 'cobs' })] }, 'boards[0].link: expected one of framed, raw, got "cobs"'],
    [{ boards: [board()], defaults: { link: 1 } }, 'defaults.link: expected one of framed, raw, got 1'],
    [{ boards: [board()], log: { level: 'verbose' } }, 'log.level: expected one of fatal, error, warn, info, debug, trace, got "verbose"'],
    [{ boards: [board({ baudRate: 0 })] }, 'boards[0].baudRate: expected a positive integer, got 0'],
    [{ boards: [board({ baudRate: 9600.5 })] }, 'boards[0].baudRate: expected a positive integer, got 9600.5'],
    [{ boards: [board({ maxPacketBytes: 15 })] }, 'boards[0].maxPacketBytes: expected an integer from 16 to 268435460, got 15'],
    [{ boards: [board()], defaults: { maxPacketBytes: 268435461 } }, 'defaults.maxPacketBytes: expected an integer from 16 to 268435460, got 268435461'],
    [{ boards: [board({ queueBytes: -1 })] }, 'boards[0].queueBytes: expected a positive integer, got -1'],
    [{ boards: [board({ stallTimeoutMs: 2 ** 31 })] }, 'boards[0].stallTimeoutMs: expected a positive integer of at most 2147483647 (ms), got 2147483648'],
    [{ boards: [board({ connectTimeoutMs: null })] }, 'boards[0].connectTimeoutMs: expected a positive integer of at most 2147483647 (ms), got null'],
    [{ boards: [board({ helloTimeoutMs: 0 })] }, 'boards[0].helloTimeoutMs: expected a positive integer of at most 2147483647 (ms), got 0'],
    [{ boards: [board({ name: 'bench a' })] }, 'boards[0].name: expected a name of 1 to 64 letters, digits, "_", "." or "-", got "bench a"'],
    [{ boards: [board({ name: 'x'.repeat(65) })] }, `boards[0].name: expected a name of 1 to 64 letters, digits, "_", "." or "-", got "${'x'.repeat(65)}"`],
    [{ boards: [{ name: 'a' }] }, 'boards[0].port: required'],
    [{ boards: [board({ port: 'ttyACM0' })] }, 'boards[0].port: expected an absolute tty path such as /dev/ttyACM0, or serial:..., pty:..., tcp://host:port, listen://host:port, got "ttyACM0"'],
    [{ boards: [board({ port: 'tcp://10.0.0.5' })] }, 'boards[0].port: expected tcp://host:port, got "tcp://10.0.0.5"'],
    [{ boards: [board({ port: 'listen://0.0.0.0:70000' })] }, 'boards[0].port: expected listen://host:port: port 70000 is not from 0 to 65535, got "listen://0.0.0.0:70000"'],
    [{ boards: [board({ port: 'listen://0.0.0.0:5000' })] }, 'boards[0].port: that address accepts boards from any network, and a bench bridge should not be reachable from the network by accident: listen on 127.0.0.1 or ::1, or add ?allowAnyAddress=1 if that is meant, got "listen://0.0.0.0:5000"'],
    [{ boards: [board({ port: 'listen://0:5000' })] }, 'boards[0].port: that address accepts boards from any network, and a bench bridge should not be reachable from the network by accident: listen on 127.0.0.1 or ::1, or add ?allowAnyAddress=1 if that is meant, got "listen://0:5000"'],
    [{ boards: [board({ port: 'listen://127.0.0.1:5000?open=1' })] }, 'boards[0].port: unknown listen spec parameter "open"; supported: allowAnyAddress, got "listen://127.0.0.1:5000?open=1"'],
    [{ boards: [board({ port: 'rfc2217://h:1' })] }, 'boards[0].port: unknown link scheme "rfc2217:"; expected a tty path, serial:..., usb:<serial number>, pty:..., tcp://host:port or listen://host:port, got "rfc2217://h:1"'],
    [{ boards: [board({ port: 'pty:' })] }, 'boards[0].port: pty: needs a path for the board end, e.g. pty:/tmp/board0, got "pty:"'],
    [{ boards: [board({ port: 'serial:/dev/ttyUSB0?baud=fast' })] }, 'boards[0].port: serial link parameter "baud" must be a positive integer, got "fast", in "serial:/dev/ttyUSB0?baud=fast"'],
    [{ boards: [board({ port: '/dev/ttyUSB0?baud=9600&foo=1' })] }, 'boards[0].port: unknown serial link parameter "foo"; supported: baud, rtscts, xon, xoff, lock, dataBits, parity, stopBits, got "/dev/ttyUSB0?baud=9600&foo=1"'],
    [{ boards: [board({ port: 'usb:' })] }, 'boards[0].port: usb: needs the board\'s USB serial number, e.g. usb:DL7450-0001 (dl7450-bridge ports lists them), got "usb:"'],
    [{ boards: [board({ cutProfile: 'pull-plug' })] }, 'boards[0].cutProfile: expected one of rst, fin, silent, got "pull-plug"'],
    [{ boards: [board({ captureSecrets: 'yes' })] }, 'boards[0].captureSecrets: expected true or false, got "yes"'],
    [{ boards: [board({ power: { driver: 'relay' } })] }, 'boards[0].power.driver: expected a power driver (none, uhubctl, modem, command, mqtt-plug or sim), got "relay"'],
    [{ boards: [board({ power: { driver: 'command', on: 'relayctl 1 on', off: ['x'] } })] }, 'boards[0].power.on: expected an argv list such as ["relayctl", "1", "on"] (never a shell string), got "relayctl 1 on"'],
    [{ boards: [board({ power: { driver: 'uhubctl', location: '1-1', port: 0 } })] }, 'boards[0].power.port: expected a hub port from 1 to 255, got 0'],
    [{ boards: [board({ power: { driver: 'modem', port: '/dev/ttyUSB1', line: 'cts', mode: 'level' } })] }, 'boards[0].power.line: expected "dtr" or "rts", got "cts"'],
    [{ boards: [board({ power: { driver: 'sim' } })] }, 'boards[0].power: give either pid or pidFile'],
    [{ boards: [board({ power: 'uhubctl' })] }, 'boards[0].power: expected a power driver (none, uhubctl, modem, command, mqtt-plug or sim), got "uhubctl"'],
    [{ boards: [board({ power: { driver: 'none', port: 1 } })] }, 'boards[0].power.port: unknown key'],
    [{ boards: [] }, 'boards: expected at least one board'],
    [{ boards: board() }, 'boards: expected a list of boards, got an object'],
    [{}, 'boards: required'],
    [['boards'], 'expected an object with a "boards" list, got a list'],
    [null, 'expected an object with a "boards" list, got null'],
  ])('explains %j', (value, message) => {
    expect(problem(value).message).toBe(`bench.yaml: ${message}`);
  });

  it('checks broker URLs with parseBrokerUrl, naming the key', () => {
    expect(problem({ broker: 'http://broker.bench', boards: [board()] }).message).toBe(
      'bench.yaml: broker: unsupported scheme "http://" in broker URL "http://broker.bench"; supported: tcp://, mqtt://, ssl://, mqtts://, ws://, wss://, or "embedded"',
    );
    expect(problem({ boards: [board({ broker: 'tcp://host:99999' })] }).message).toBe(
      'bench.yaml: boards[0].broker: bad broker URL "tcp://host:99999": port "99999" is not a number from 1 to 65535',
    );
    expect(problem({ boards: [board({ broker: 1883 })] }).message).toBe(
      'bench.yaml: boards[0].broker: expected "embedded" or a broker URL such as tcp://host:1883, got 1883',
    );
  });

  it('refuses two boards with one name or one port', () => {
    const error = problem({ boards: [board(), board({ port: '/dev/ttyACM1' }), { name: 'c', port: '/dev/ttyACM0' }] });
    expect(error.message).toBe(
      [
        'bench.yaml: boards[1].name: duplicate board name "bench-a", also boards[0].name',
        'bench.yaml: boards[2].port: "/dev/ttyACM0" is already the port of boards[0] (bench-a)',
      ].join('\n'),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['boards[1].name', 'boards[2].port']);
  });

  it('finds one line given twice under two spellings; listen:// on port 0 is never a clash', () => {
    const clash = (a: string, b: string) => problem({ boards: [board({ name: 'a', port: a }), board({ name: 'b', port: b })] }).message;
    expect(clash('pty:/tmp/x1', 'pty:/tmp/./x1')).toBe('bench.yaml: boards[1].port: "pty:/tmp/./x1" is already the port of boards[0] (a)');
    expect(clash('/dev/ttyS0', 'serial:/dev/ttyS0?baud=9600')).toMatch(/boards\[1\]\.port: "serial:\/dev\/ttyS0\?baud=9600" is already the port of boards\[0\] \(a\)/);
    expect(clash('pty:/tmp/x2', '/tmp/x2')).toMatch(/boards\[1\]\.port: "\/tmp\/x2" is already the port of boards\[0\]/);
    expect(clash('tcp://Host:4001', 'tcp://host:4001')).toMatch(/boards\[1\]\.port: "tcp:\/\/host:4001" is already the port/);
    const two = parseConfig({ boards: [board({ name: 'a', port: 'listen://127.0.0.1:0' }), board({ name: 'b', port: 'listen://127.0.0.1:0' })] }, 'bench.yaml');
    expect(two.boards.map((b) => b.name)).toEqual(['a', 'b']);
  });

  it('sees through symlinks and address spellings: a linked folder, a by-id link, localhost, 127.000.000.001', () => {
    const clash = (a: string, b: string) => problem({ boards: [board({ name: 'a', port: a }), board({ name: 'b', port: b })] }).message;
    const dir = mkdtempSync(join(tmpdir(), 'dl7450-ports-'));
    try {
      symlinkSync(dir, join(dir, 'linked'));
      writeFileSync(join(dir, 'ttyX'), '');
      symlinkSync(join(dir, 'ttyX'), join(dir, 'by-id'));
      expect(clash(`pty:${dir}/p1`, `pty:${dir}/linked/p1`)).toMatch(/boards\[1\]\.port: "pty:.*\/linked\/p1" is already the port of boards\[0\] \(a\)/);
      expect(clash(join(dir, 'ttyX'), join(dir, 'by-id'))).toMatch(/boards\[1\]\.port: ".*by-id" is already the port of boards\[0\]/);
      expect(clash(join(dir, 'by-id'), `serial:${dir}/ttyX?baud=9600`)).toMatch(/boards\[1\]\.port: "serial:.*ttyX\?baud=9600" is already the port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(clash('listen://localhost:40001', 'listen://127.0.0.1:40001')).toMatch(/boards\[1\]\.port: "listen:\/\/127\.0\.0\.1:40001" is already the port of boards\[0\]/);
    expect(clash('listen://[::1]:40001', 'listen://LOCALHOST:40001')).toMatch(/is already the port of boards\[0\]/);
    expect(clash('listen://127.000.000.001:40001', 'listen://127.0.0.1:40001')).toMatch(/is already the port of boards\[0\]/);
    expect(clash('listen://[0:0:0:0:0:0:0:1]:40001', 'listen://[::1]:40001')).toMatch(/is already the port of boards\[0\]/);
    const apart = parseConfig({ boards: [board({ name: 'a', port: 'listen://localhost:40001' }), board({ name: 'b', port: 'listen://127.0.0.2:40001' })] }, 'bench.yaml');
    expect(apart.boards).toHaveLength(2);
  });

  it('reports every issue, one line each', () => {
    const error = problem({ log: { level: 'loud' }, boards: [board({ baudRate: 'fast', colour: 'red' })] });
    expect(error.message.split('\n').sort()).toEqual(
      [
        'bench.yaml: log.level: expected one of fatal, error, warn, info, debug, trace, got "loud"',
        'bench.yaml: boards[0].baudRate: expected a positive integer, got "fast"',
        'bench.yaml: boards[0].colour: unknown key',
      ].sort(),
    );
  });

  it('refuses to run without a source name', () => {
    expect(() => parseConfig({}, '')).toThrow(TypeError);
  });
});
