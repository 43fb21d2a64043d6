import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from './test-support/run-cli.js';
import { syntheticTrace, toJsonl } from '../profile/test-support/synthetic-trace.js';


const run = runCli;

let dir: string;
let trace: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-cli-'));
  trace = join(dir, 'run.jsonl');
  await writeFile(trace, toJsonl(syntheticTrace({ messages: 300, flows: 150 })));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dl7450-bridge report', () => {
  it('prints the table and writes the HTML beside the trace, and the CSV when asked', async () => {
    const csv = join(dir, 'out.csv');
    const r = await run('report', trace, '--csv', csv);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^group \/ segment +count +p50/);
    expect(r.stdout).toMatch(/\nmessage up qos1 +150 /);
    expect(r.stdout).toMatch(/\n {2}serialOut +150 /);
    const html = join(dir, 'run.html');
    expect(r.stdout).toContain(`html: ${html}\ncsv: ${csv}\n`);
    expect(await readFile(html, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*<svg[\s\S]*<\/html>\n$/);
    expect((await readFile(csv, 'utf8')).split('\n')[0]).toBe('group,segment,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns');
  });

  it('piped into a reader that stops early (| head), still writes its HTML and exits 0, with no stack trace', async () => {
    const html = join(dir, 'piped.html');
    const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'report', trace, '--html', html], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // as head does after its lines
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((await stat(html)).size).toBeGreaterThan(1000);
  });

  it('writes the HTML where --html says', async () => {
    const html = join(dir, 'elsewhere.html');
    const r = await run('report', trace, '--html', html);
    expect(r.status).toBe(0);
    expect((await stat(html)).size).toBeGreaterThan(1000);
  });

  it('exits 1 with a message naming the file for a missing or a bad trace', async () => {
    const missing = join(dir, 'missing.jsonl');
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, `${toJsonl(syntheticTrace({ messages: 2, flows: 0, losses: 0 }))}{"kind":"mess`);
    const [a, b] = await Promise.all([run('report', missing), run('report', bad)]);
    expect(a).toMatchObject({ status: 1, stdout: '', stderr: `dl7450-bridge: ${missing}: no such file\n` });
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(new RegExp(`^dl7450-bridge: ${bad}:6: truncated: the last line is not complete JSON`));
  });

  it('exits 2 for bad options', async () => {
    const cases: [string[], RegExp][] = [
      [[], /give the trace file/],
      [[trace, trace], /one trace at a time/],
      [[trace, '--html', trace], /--html .* is the trace itself/],
      [[trace, '--csv', join(dir, 'x.html'), '--html', join(dir, 'x.html')], /--csv and --html name the same file/],
      [[trace, '--colour'], /colour/],
    ];
    const results = await Promise.all(cases.map(([args]) => run('report', ...args)));
    results.forEach((r, i) => expect({ args: cases[i][0], status: r.status, stderr: r.stderr }).toMatchObject({ status: 2, stderr: expect.stringMatching(cases[i][1]) }));
  });

  it('has --help', async () => {
    const r = await run('report', '--help');
    expect(r).toMatchObject({ status: 0, stdout: expect.stringContaining('dl7450-bridge report <trace.jsonl>') });
  });
});
