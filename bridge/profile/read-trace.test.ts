import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTraceLines, readTrace } from './read-trace.js';
import { syntheticHeader, syntheticTrace, toJsonl } from './test-support/synthetic-trace.js';

const header = JSON.stringify(syntheticHeader());
const message = JSON.stringify(syntheticTrace({ messages: 1, flows: 0, losses: 0 })[1]);

describe('parseTraceLines', () => {
  it('returns the records, header first, skipping blank lines', () => {
    const records = parseTraceLines([header, message, '', message], 't.jsonl');
    expect(records.map((r) => r.kind)).toEqual(['header', 'message', 'message']);
  });

  it.each([
    [[message], /^t\.jsonl:1: the first line must be the trace header \(kind "header"\), got kind "message"/],
    [[JSON.stringify({ ...syntheticHeader(), format: 'pcap' })], /^t\.jsonl:1: not a dl7450-bridge-trace trace/],
    [[JSON.stringify({ ...syntheticHeader(), version: 2 })], /^t\.jsonl:1: trace version 2, this bridge reads version 1/],
    [[header, message, '{"kind":"frame"}'], /^t\.jsonl:3: unknown record kind "frame"/],
    [[header, '[1,2]'], /^t\.jsonl:2: not a JSON object/],
    [[header, message, header], /^t\.jsonl:3: a second header/],
    [[header, '{"kind":"message","dir":"up","qos":1,"intended":0,"latencyNs":"fast","segments":[]}'], /^t\.jsonl:2: message record: "latencyNs" must be a number, got "fast"/],
    [[header, '{"kind":"message","dir":"up","qos":1,"intended":0,"latencyNs":5,"segments":[{"name":"x"}]}'], /^t\.jsonl:2: message record: "segments" must be a list/],
    [[header, '{"kind":"flow","flow":"ping","start":0,"end":1,"totalNs":1,"segments":{"broker":"1"}}'], /^t\.jsonl:2: flow record: "segments" must map/],
    [[], /^t\.jsonl: empty, not a trace/],
  ])('refuses %j naming the line', (lines, error) => {
    expect(() => parseTraceLines(lines, 't.jsonl')).toThrow(error);
  });

  it('calls bad JSON in the middle "not JSON" and on the last line "truncated"', () => {
    const cut = message.slice(0, 40);
    expect(() => parseTraceLines([header, cut, message], 't.jsonl')).toThrow(/^t\.jsonl:2: not JSON \(/);
    expect(() => parseTraceLines([header, message, cut], 't.jsonl')).toThrow(/^t\.jsonl:3: truncated: the last line is not complete JSON/);
    expect(() => parseTraceLines([header, message, cut, ''], 't.jsonl')).toThrow(/^t\.jsonl:3: truncated/);
  });
});

describe('readTrace', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'read-trace-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('streams a file back to the records written', async () => {
    const records = syntheticTrace({ messages: 50, flows: 20 });
    const path = join(dir, 'ok.jsonl');
    await writeFile(path, toJsonl(records).replaceAll('\n', '\r\n'));
    expect(await readTrace(path)).toEqual(records);
  });

  it('names the file and line of a bad line, and says when the file ends mid-line', async () => {
    const path = join(dir, 'cut.jsonl');
    await writeFile(path, `${header}\n${message}\n${message.slice(0, 30)}`);
    await expect(readTrace(path)).rejects.toThrow(`${path}:3: truncated`);
  });

  it('says so for a missing file or a folder', async () => {
    await expect(readTrace(join(dir, 'missing.jsonl'))).rejects.toThrow(`${join(dir, 'missing.jsonl')}: no such file`);
    await expect(readTrace(dir)).rejects.toThrow(`${dir}: a folder, not a trace file`);
  });
});
