import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { createPtyLink } from '../drivers/pty/pty-link.js';
import net from 'node:net';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('dl7450-bridge CLI', () => {
  it('runs the self-test and exits 0 with a PASS summary', () => {
    const r = run('selftest', '--packets', '150', '--seed', '3');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/150\/150 packets delivered exactly once, in order/);
    expect(r.stdout).toMatch(/^PASS$/m);
    expect(r.status).toBe(0);
    // Each fault's share is measured over the frames the board wrote, next to the rate asked for.
    const written = Number(/share of the (\d+) frames it wrote/.exec(r.stdout)?.[1]);
    const [, count, share] = /frames dropped\s+(\d+)\s+(\d+\.\d)% \(set 1\.0%\)/.exec(r.stdout) ?? [];
    expect(written).toBeGreaterThan(150);
    expect(Math.abs(Number(share) - (100 * Number(count)) / written)).toBeLessThanOrEqual(0.051);
  });

  it('prints the self-test result as JSON on request', () => {
    const r = run('selftest', '--packets', '50', '--json');
    const result = JSON.parse(r.stdout) as { passed: boolean; packetsDelivered: number };
    expect(result).toMatchObject({ passed: true, packetsDelivered: 50 });
  });

  it('rejects bad options with a message naming them and exit code 2', () => {
    const bad = run('selftest', '--garbage', '1.5');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--garbage must be a number between 0 and 1, got "1.5"/);
    const unknown = run('selftest', '--frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    const command = run('teleport');
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/unknown command "teleport"/);
  });

  it('lists serial ports without failing on a machine that has none', () => {
    const r = run('ports');
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it('prints help and the version', () => {
    expect(run('--help').stdout).toMatch(/selftest/);
    expect(run('selftest', '--help').stdout).toMatch(/--packets N/);
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('runs the demo: embedded broker, virtual board, bridge, exit 0', () => {
    const r = run('demo', '--messages', '5');
    expect(r.stdout).toMatch(/^PASS/m);
    expect(r.stdout).toMatch(/will .* published/);
    expect(r.status).toBe(0);
  });

  it('run: refuses bad options and config keys with exit code 2, naming them', async () => {
    const none = run('run');
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/give --port <line> or --config <file>/);
    const link = run('run', '--port', '/dev/ttyACM0', '--link', 'cobs');
    expect(link.status).toBe(2);
    expect(link.stderr).toMatch(/--link/);
    const dir = await mkdtemp(join(tmpdir(), 'cli-config-'));
    const file = join(dir, 'bench.yaml');
    await writeFile(file, 'boards:\n  - name: a\n    port: /dev/ttyACM0\n    colour: blue\n');
    const bad = run('run', '--config', file);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/boards\[0\]\.colour: unknown key/);
    const both = run('run', '--config', file, '--port', '/dev/x');
    expect(both.status).toBe(2);
  });

  it('rejects an option given twice and an unknown --log-level with exit code 2, before starting anything', () => {
    const twice = run('run', '--port', 'listen://127.0.0.1:0', '--link', 'raw', '--port', 'listen://127.0.0.1:0');
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/--port was given more than once/);
    for (const args of [['run', '--port', 'listen://127.0.0.1:0', '--log-level', 'loud'], ['demo', '--log-level', 'loud']]) {
      const bad = run(...args);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--log-level must be one of fatal, error, warn, info, debug, trace, got "loud"/);
    }
    const badBroker = run('profile', '--broker', 'mqtt://127.0.0.1:99999');
    expect(badBroker.status).toBe(2);
    expect(badBroker.stderr).toMatch(/--broker: bad broker URL "mqtt:\/\/127\.0\.0\.1:99999": port/);
    const many = run('demo', '--messages', '1500');
    expect(many.status).toBe(2);
    expect(many.stderr).toMatch(/--messages must be a number between 1 and 1000, got "1500"/);
    // Where the files go is checked before the run: profile used to hang in mkdir under /proc,
    // chaos to fail with an errno after the whole campaign.
    for (const [args, message] of [
      [['profile', '--out', '/proc/nope/x'], /--out \/proc\/nope\/x: cannot make the folder \/proc\/nope \(ENOENT\)/],
      [['profile', '--out', '/etc/passwd'], /--out \/etc\/passwd: it exists and is not a folder/],
      [['chaos', '--cuts', '1', '--report', '/proc/nope/r.json'], /--report \/proc\/nope\/r\.json: cannot write there \(ENOENT\)/],
      [['chaos', '--cuts', '1', '--report', '/tmp'], /--report \/tmp: it exists and is not a file/],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/^chaos: /m);
    }
    // A negative value gets the option's range message, not parseArgs' "ambiguous" one; a
    // profile that would send nothing is refused instead of passing.
    for (const [args, message] of [
      [['demo', '--timeout', '-1'], /--timeout must be a number between 1 and 3600, got "-1"/],
      [['selftest', '--packets', '-5'], /--packets must be a number between 1 and 10000000, got "-5"/],
      [['profile', '--rate', '1.5', '--duration', '200ms'], /--rate 1\.5 for --duration 200 ms schedules no message/],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    // A count that is not whole is refused at once (it used to run the demo into its timeouts).
    for (const [command, option, value] of [['demo', '--messages', '1.5'], ['selftest', '--packets', '2.5'], ['chaos', '--cuts', '2.5'], ['profile', '--qos', '1.5']]) {
      const r = run(command, option, value);
      expect(r.status, `${command} ${option} ${value}`).toBe(2);
      expect(r.stderr).toContain(`${option} must be a whole number between`);
    }
  });

  it('run: refuses, before starting, a line no retry could open: over a live pty, in a missing folder, on a file or a device that is no tty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dl7450-cli-ports-'));
    await writeFile(join(dir, 'notes.txt'), 'not a tty');
    // Another program's live pty link, as a sim or a bridge leaves it while it runs.
    const other = createPtyLink({ linkPath: join(dir, 'live') });
    await other.open();
    await symlink('/dev/null', join(dir, 'device'));
    await symlink(join(dir, 'loop2'), join(dir, 'loop1'));
    await symlink(join(dir, 'loop1'), join(dir, 'loop2'));
    for (const [port, problem] of [
      [`pty:${join(dir, 'live')}`, /it points at \/dev\/pts\/\d+, which exists \(another sim's or bridge's pty\?\)/],
      [`pty:${join(dir, 'device')}`, /it points at \/dev\/null, a device, not a pty left by a previous run/],
      [`pty:${join(dir, 'missing', 'b0')}`, /the folder .*missing does not exist/],
      [join(dir, 'notes.txt'), /it is a regular file, not a serial device/],
      [`serial:${dir}?baud=9600`, /it is a folder, not a serial device/],
      ['/dev/null', /it is a mem device, not a serial device \(not a tty\)/],
      ['/dev/ptmx', /it is the pty multiplexer: each open makes a new pty nobody else can reach/],
      [join(dir, 'loop1'), /its symlinks point at each other in a loop \(ELOOP\)/],
    ] as const) {
      const r = run('run', '--port', port);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(problem);
    }
    const control = run('run', '--port', 'listen://127.0.0.1:0', '--control', join(dir, 'missing', 'x.sock'));
    expect(control.status).toBe(2);
    expect(control.stderr).toMatch(/--control .*x\.sock: the folder .*missing does not exist/);
    const file = run('run', '--port', 'listen://127.0.0.1:0', '--control', join(dir, 'notes.txt'));
    expect(file.status).toBe(2);
    expect(file.stderr).toMatch(/--control .*notes\.txt: it exists and is not a socket; give another path or remove it/);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('not a tty'); // still there
    await other.close();
  });

  it('run: serves boards on listen:// through the embedded broker until SIGINT, then exits 0', async () => {
    const daemon = await startRun('--link', 'raw', '--log-level', 'error');
    expect(daemon.out()).toMatch(/embedded broker: mqtt:\/\/127\.0\.0\.1:\d+/);
    await expectEcho(daemon.port);
    expect(await daemon.stop()).toBe(0);
  });

  it('run: SIGHUP (its terminal closed) stops it cleanly too: exit 0, control socket removed', async () => {
    const daemon = await startRun('--link', 'raw', '--log-level', 'error');
    const socket = /control socket: (\S+)/.exec(daemon.out())?.[1] as string;
    expect(existsSync(socket)).toBe(true);
    expect(await daemon.stop('SIGHUP')).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('run: a plain MQTT client on a framed listen:// port gets one warning naming --link raw, and its password is never logged', async () => {
    const daemon = await startRun('--link', 'framed');
    const secret = 'SuperSecretToken-0123456789abcdefghijklmn';
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'a-client-id-long-enough-to-be-printable', username: 'alice', password: Buffer.from(secret), keepalive: 60, clean: true });
    const publish = mqttPacket.generate({ cmd: 'publish', topic: 'plain/text/topic', payload: Buffer.from('x'.repeat(40)), qos: 0, retain: false, dup: false });
    const socket = net.connect(daemon.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([connect, publish, connect]));
    await daemon.logged(/plain MQTT CONNECT/);
    socket.destroy();
    expect(await daemon.stop()).toBe(0);
    const warnings = daemon.log().split('\n').filter((l) => l.includes('plain MQTT CONNECT'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/--link raw/);
    expect(daemon.log()).not.toContain(secret.slice(0, 16));
    expect(daemon.log()).not.toContain('a-client-id-long');
  });

  it('run: junk on a raw listen:// link is said once at info level, and other clients carry on', async () => {
    const daemon = await startRun('--link', 'raw');
    const junk = Buffer.alloc(5000, 0);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 151 + 7) & 0xef; // never 0x10: no CONNECT in it
    const socket = net.connect(daemon.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(junk);
    await daemon.logged(/skipped bytes that are not an MQTT CONNECT/);
    socket.write(junk);
    await expectEcho(daemon.port);
    socket.destroy();
    expect(await daemon.stop()).toBe(0);
    const said = daemon.log().split('\n').filter((l) => l.includes('not an MQTT CONNECT'));
    expect(said).toHaveLength(1);
    expect(JSON.parse(said[0])).toMatchObject({ level: 30, bytes: expect.any(Number) });
  });
});

/** `run --port listen://127.0.0.1:0 ...args` as a child process, once it listens. */
async function startRun(...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'run', '--port', 'listen://127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let log = '';
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr.on('data', (d: Buffer) => {
    log += d.toString();
    for (const w of waiting) if (w.pattern.test(log)) w.resolve();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m && /^control socket: /m.test(out)) resolve(Number(m[1])); // the last line of its start
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return {
    port,
    out: () => out,
    log: () => log,
    logged: (pattern: RegExp) => new Promise<void>((resolve) => (pattern.test(log) ? resolve() : waiting.push({ pattern, resolve }))),
    stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill(signal);
      return exit;
    },
  };
}

/** A QoS 1 publish through the bridge comes back to the client that subscribed. */
async function expectEcho(port: number): Promise<void> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync('cli/echo', { qos: 1 });
  const echo = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
  await client.publishAsync('cli/echo', 'through the bridge', { qos: 1 });
  expect(await echo).toBe('through the bridge');
  client.end(true);
}
