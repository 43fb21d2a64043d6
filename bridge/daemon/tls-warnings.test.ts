import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.js';
import { createLogger } from '../log.js';
import { warnAboutTls } from './tls-warnings.js';

function warningsFor(board: Record<string, unknown>, broker: string): string[] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push((JSON.parse(line) as { msg: string }).msg);
      done();
    },
  });
  const config = parseConfig({ broker, boards: [{ name: 'dut', port: '/dev/ttyACM0', ...board }] }, 'bench.yaml');
  warnAboutTls(config.boards[0], config.boards[0].broker as Exclude<(typeof config.boards)[0]['broker'], 'embedded'>, createLogger('debug', sink));
  return lines;
}

describe('TLS warnings at start', () => {
  it('says verify: false is insecure, every start', () => {
    expect(warningsFor({ tls: { verify: false } }, 'ssl://b.example:8883')).toEqual([expect.stringMatching(/^INSECURE: board dut: TLS verification is OFF/)]);
  });

  it('says TLS settings are unused on a plain broker, and fromBoard on a raw link', () => {
    expect(warningsFor({ tls: { fromBoard: true } }, 'tcp://b.example:1883')).toEqual([expect.stringMatching(/tls settings are unused: its broker .* is not a TLS one/)]);
    expect(warningsFor({ link: 'raw', tls: { fromBoard: true } }, 'ssl://b.example:8883')).toEqual([expect.stringMatching(/tls.fromBoard has no effect on a raw link/)]);
    expect(warningsFor({ tls: { fromBoard: true } }, 'ssl://b.example:8883')).toEqual([]);
  });
});
