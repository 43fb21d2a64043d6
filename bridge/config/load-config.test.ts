import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BUILT_IN_BOARD_SETTINGS } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl7450-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function problem(path: string): Promise<ConfigError> {
  const error = await loadConfig(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const BENCH_YAML = `
broker: tcp://broker.bench:1883   # overrides what boards ask for
log: { level: info }
defaults:
  link: framed
  baudRate: 115200
  maxPacketBytes: 16777216
  queueBytes: 65536
  stallTimeoutMs: 30000
  connectTimeoutMs: 5000
boards:
  - name: bench-a
    port: /dev/ttyACM0
    link: raw
    broker: tcp://127.0.0.1:1883
    baudRate: 921600
  - name: bench-b
    port: pty:/tmp/board1
`;

describe('loadConfig', () => {
  it('reads the documented YAML example', async () => {
    const path = await file('bench.yaml', BENCH_YAML);
    const config = await loadConfig(path);
    expect(config.source).toBe(path);
    expect(config.boards.map((b) => [b.name, b.link, b.baudRate, typeof b.broker === 'string' ? b.broker : b.broker.href])).toEqual([
      ['bench-a', 'raw', 921600, 'tcp://127.0.0.1:1883'],
      ['bench-b', 'framed', 115200, 'tcp://broker.bench:1883'],
    ]);
  });

  it('lists every built-in board setting with its built-in value in bench.example.yaml', async () => {
    const example = YAML.parse(await readFile(join(dirname(fileURLToPath(import.meta.url)), 'bench.example.yaml'), 'utf8')) as { defaults: Record<string, unknown> };
    for (const [key, value] of Object.entries(BUILT_IN_BOARD_SETTINGS)) expect(example.defaults[key], `defaults.${key}`).toBe(value);
  });

  it('reads bench.example.yaml, the annotated example next to the code', async () => {
    const example = join(dirname(fileURLToPath(import.meta.url)), 'bench.example.yaml');
    const config = await loadConfig(example);
    expect(config.broker).toBe('embedded');
    expect(config.boards.map((b) => [b.name, b.link, b.baudRate, typeof b.broker === 'string' ? b.broker : b.broker.href, b.cutProfile, b.power.driver])).toEqual([
      ['bench-a', 'raw', 921600, 'embedded', 'fin', 'uhubctl'],
      ['bench-b', 'framed', 115200, 'tcp://127.0.0.1:1884', 'silent', 'modem'],
      ['bench-c', 'framed', 115200, 'embedded', 'fin', 'command'],
      ['bench-d', 'framed', 115200, 'embedded', 'fin', 'mqtt-plug'],
      ['sim-a', 'framed', 115200, 'embedded', 'fin', 'sim'],
    ]);
  });

  it('reads .json and .yml, and tries JSON then YAML for any other name', async () => {
    const json = JSON.stringify({ boards: [{ name: 'j', port: '/dev/ttyUSB0', link: 'raw' }] });
    expect((await loadConfig(await file('bench.json', json))).boards[0].link).toBe('raw');
    expect((await loadConfig(await file('bench.yml', 'boards: [{ name: y, port: /dev/ttyUSB1 }]'))).boards[0].name).toBe('y');
    expect((await loadConfig(await file('bench.conf', json))).boards[0].name).toBe('j');
    expect((await loadConfig(await file('bench', 'boards:\n  - name: n\n    port: COM4\n'))).boards[0].port).toBe('COM4');
  });

  it('names the file and the key path of a schema error', async () => {
    const path = await file('keys.yaml', 'boards:\n  - name: a\n    port: /dev/ttyACM0\n    colour: red\n');
    expect((await problem(path)).message).toBe(`${path}: boards[0].colour: unknown key`);
  });

  it('names the file and line of YAML it cannot parse', async () => {
    const path = await file('broken.yaml', 'boards:\n  - name: a\n    port: "/dev/ttyACM0\n');
    const error = await problem(path);
    expect(error.issues[0]).toMatchObject({ line: 4, column: 1 });
    expect(error.message).toMatch(new RegExp(`^${path}:4:1: invalid YAML: Missing closing "quote`));
  });

  it('refuses a repeated YAML key rather than keep the last', async () => {
    const path = await file('twice.yaml', 'log: { level: info }\nlog: { level: debug }\nboards: []\n');
    expect((await problem(path)).message).toBe(`${path}:2:1: invalid YAML: Map keys must be unique`);
  });

  it('refuses a repeated JSON key too, naming it, at any depth', async () => {
    const top = await file('twice.json', '{\n  "broker": "tcp://127.0.0.1:1",\n  "broker": "tcp://127.0.0.1:2",\n  "boards": [{ "name": "a", "port": "/dev/ttyACM0" }]\n}\n');
    expect((await problem(top)).message).toBe(`${top}:3:3: invalid JSON: the key "broker" appears twice in one object (the first value would be lost)`);
    const nested = await file('nested.json', '{ "boards": [{ "name": "a", "port": "/dev/x", "port": "/dev/y" }] }');
    expect((await problem(nested)).message).toMatch(/:1:47: invalid JSON: the key "port" appears twice/);
  });

  it('refuses an alias to nowhere', async () => {
    const path = await file('alias.yaml', 'boards: *nowhere\n');
    expect((await problem(path)).message).toMatch(new RegExp(`^${path}: invalid YAML: .*nowhere`));
  });

  it('names the file and line of JSON it cannot parse', async () => {
    const path = await file('broken.json', '{\n  "boards": [],\n}\n');
    const error = await problem(path);
    expect(error.issues[0]).toMatchObject({ line: 3, column: 1 });
    expect(error.message).toMatch(new RegExp(`^${path}:3:1: invalid JSON: `));
  });

  it('reports YAML errors for a file of unknown type that is neither', async () => {
    const path = await file('bench.txt', 'boards:\n  - [\n');
    expect((await problem(path)).message).toMatch(new RegExp(`^${path}:\\d+:\\d+: invalid YAML: `));
  });

  it('says so for an empty file, a missing one and a directory', async () => {
    const empty = await file('empty.yaml', '  \n');
    expect((await problem(empty)).message).toBe(`${empty}: the file is empty`);
    const missing = join(dir, 'missing.yaml');
    expect((await problem(missing)).message).toBe(`${missing}: cannot read the file: no such file (ENOENT)`);
    expect((await problem(dir)).message).toBe(`${dir}: cannot read the file: it is a directory (EISDIR)`);
  });
});
