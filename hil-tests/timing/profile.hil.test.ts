import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { describeNeeding } from '../support/board-target.js';
import { startCli, takeLine } from '../sim/cli-process.js';
import { createLogger } from '../../bridge/log.js';
import { readTrace } from '../../bridge/profile/read-trace.js';
import { runProfile } from '../../bridge/profile/run-profile.js';
import { TO_BOARD_STAMPS, TO_BROKER_STAMPS } from '../../streams/timing/capture-types.js';
import type { TraceFlow, TraceHeader, TraceMessage, TracePacket, TraceRecord } from '../../bridge/profile/trace-format.js';

// The latency profiler against the virtual DL-7450 and a real Mosquitto: the structure and
// consistency of what it captures, never how fast anything was.

const run = promisify(execFile);
let broker: TestBroker;
let dir: string;
beforeAll(async () => {
  broker = await startTestBroker();
  dir = await mkdtemp(join(tmpdir(), 'dl7450-profile-'));
});
afterAll(async () => {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

const quiet = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));
const of = <K extends TraceRecord['kind']>(records: TraceRecord[], kind: K) => records.filter((r): r is Extract<TraceRecord, { kind: K }> => r.kind === kind);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Checks every record's own arithmetic: stamps in order, segments adding up. */
function expectConsistent(records: TraceRecord[]): void {
  for (const p of of(records, 'packet') as TracePacket[]) {
    const order = p.dir === 'to-broker' ? TO_BROKER_STAMPS : TO_BOARD_STAMPS;
    const times = order.map((n) => p.stamps[n]);
    expect(times.every((t) => Number.isInteger(t)), `${p.cmd} ${p.dir} has every stamp`).toBe(true);
    for (let i = 1; i < times.length; i++) expect(times[i], `${p.cmd} ${p.dir}: ${order[i]} after ${order[i - 1]}`).toBeGreaterThanOrEqual(times[i - 1]);
  }
  // Segments are differences of the same stamps: they sum to the total exactly (1 ns of
  // float rounding allowed on ~1e10 ns values).
  for (const f of of(records, 'flow') as TraceFlow[]) {
    expect(Math.abs(sum(Object.values(f.segments)) - f.totalNs), `${f.flow} ${f.id ?? ''}`).toBeLessThanOrEqual(1);
    expect(f.end - f.start).toBe(f.totalNs);
  }
  for (const m of of(records, 'message') as TraceMessage[]) {
    expect(Math.abs(sum(m.segments.map((s) => s.ns)) - m.latencyNs)).toBeLessThanOrEqual(1);
    expect(m.received - m.intended).toBe(m.latencyNs);
    expect(m.segments.map((s) => s.name)).toEqual(m.dir === 'up' ? ['schedule', 'board', 'serialIn', 'bridgeIn', 'broker'] : ['schedule', 'broker', 'bridgeOut', 'serialOut', 'board']);
  }
}

async function tsharkMqttMessages(pcapng: string): Promise<string[]> {
  const { stdout } = await run('tshark', ['-r', pcapng, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype'], { maxBuffer: 64 * 2 ** 20 }).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new Error('tshark not found: .ci/run installs it (apt-get install tshark)') : e;
  });
  // One line per frame; a frame holding several MQTT messages lists their types comma-separated.
  return stdout.split('\n').filter(Boolean).flatMap((l) => l.split(','));
}

describeNeeding(['app-choice'], 'latency profile (virtual board, Mosquitto)', () => {
  it('`profile` writes the table, a consistent trace, a pcapng tshark agrees with, a CSV and an offline HTML report', { timeout: 120_000 }, async () => {
    const out = join(dir, 'cli');
    const cli = startCli(['profile', '--duration', '1500ms', '--rate', '100', '--qos', '1', '--size', '32,300', '--broker', broker.url, '--out', out]);
    expect(await cli.exited, cli.text()).toBe(0);
    const stdout = cli.text();
    expect(stdout).toMatch(/messages: 300 sent, 300 received, 0 lost; MQTT flows left open: 0/);
    expect(stdout).toMatch(/group \/ segment +count +p50 +p90 +p99 +p99\.9 +max/);
    expect(stdout).toMatch(/^message up qos1 +150 /m);
    expect(stdout).toMatch(/^message down qos1 +150 /m);

    const records = await readTrace(join(out, 'trace.jsonl'));
    const header = records[0] as TraceHeader;
    expect(header.workload).toEqual({ rate: 100, sizes: [32, 300], qos: 1, direction: 'both', durationMs: 1500 });
    expectConsistent(records);
    // Every QoS 1 exchange closed: one flow per message each way, none left open.
    const flows = of(records, 'flow');
    expect(flows.filter((f) => f.flow === 'publish-qos1')).toHaveLength(150);
    expect(flows.filter((f) => f.flow === 'deliver-qos1')).toHaveLength(150);
    expect(flows.filter((f) => f.flow === 'connect')).toHaveLength(1);
    expect(of(records, 'unclosed')).toEqual([]);
    // The board's clock is the host's: the TIME exchange finds it, within its own bound.
    expect(Math.abs(header.clock.offsetNs)).toBeLessThanOrEqual(header.clock.boundNs);
    expect(header.clock.samples).toBeGreaterThan(0);

    // The same packets, decoded by Wireshark's MQTT dissector, in the same order.
    const packets = of(records, 'packet').slice().sort((a, b) => at(a) - at(b));
    const types = await tsharkMqttMessages(join(out, 'capture.pcapng'));
    expect(types).toHaveLength(packets.length);
    expect(types.map(Number)).toEqual(packets.map((p) => MSGTYPE[p.cmd]));

    const csv = await readFile(join(out, 'percentiles.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('group,segment,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns');
    expect(csv).toMatch(/^message up qos1,total,150,/m);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);

    // `report` renders the same table from the saved trace alone.
    const again = join(dir, 'again.html');
    const report = startCli(['report', join(out, 'trace.jsonl'), '--html', again]);
    expect(await report.exited, report.text()).toBe(0);
    expect(report.text()).toContain(stdout.slice(stdout.indexOf('group / segment'), stdout.indexOf('\ntrace:')).trim());
    expect((await stat(again)).size).toBeGreaterThan(1000);
  });

  it('QoS 2 both ways: four-packet flows close, segments add up, nothing lost', { timeout: 120_000 }, async () => {
    const r = await runProfile({ workload: { rate: 100, sizes: [64], qos: 2, direction: 'both', durationMs: 1000 }, brokerUrl: broker.url, logger: quiet });
    expect(r).toMatchObject({ sent: 200, received: 200, lost: 0, unclosed: 0 });
    expectConsistent(r.records);
    const flows = of(r.records, 'flow');
    for (const kind of ['publish-qos2', 'deliver-qos2']) {
      const these = flows.filter((f) => f.flow === kind);
      expect(these, kind).toHaveLength(100);
      // A QoS 2 flow is two round trips: both the broker's turn and the board's are in it.
      for (const f of these) expect(Object.keys(f.segments).sort()).toEqual(['board', 'bridgeIn', 'bridgeOut', 'broker', 'serialIn', 'serialOut']);
    }
    // Every workload message was captured on its way through the bridge.
    expect(of(r.records, 'message').every((m) => !m.segments.some((s) => s.name === 'path'))).toBe(true);
  });

  it('stopped early: the messages sent so far are drained and reported, no more are sent', { timeout: 60_000 }, async () => {
    const stop = new AbortController();
    const r = await runProfile({
      workload: { rate: 100, sizes: [64], qos: 1, direction: 'up', durationMs: 60_000 },
      brokerUrl: broker.url,
      logger: quiet,
      signal: stop.signal,
      progress: (sent) => sent === 30 && stop.abort('SIGINT'),
    });
    expect(r).toMatchObject({ interrupted: true, sent: 30, received: 30, lost: 0, unclosed: 0 });
    expect(of(r.records, 'message').map((m) => m.seq)).toEqual([...Array(30).keys()]);
    expectConsistent(r.records);
  });

  it('dl7450-bridge profile on Ctrl-C writes its files for what it sent, exit 130', { timeout: 60_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'dl7450-profile-int-'));
    try {
      const cli = startCli(['profile', '--duration', '60s', '--rate', '50', '--qos', '1', '--broker', broker.url, '--out', out]);
      await takeLine(cli, /^profile: 50 msg\/s both, QoS 1, 64 B, 60000 ms; files in /);
      cli.signal('SIGINT');
      expect(await cli.exited, cli.text()).toBe(130);
      expect(cli.text()).toMatch(/^INTERRUPTED: the schedule was ended early; \d+ messages sent, all reported below$/m);
      for (const f of ['trace.jsonl', 'percentiles.csv', 'capture.pcapng', 'report.html']) expect((await stat(join(out, f))).isFile()).toBe(true);
      // The files say so too: the trace header, the HTML, and report reading the trace again.
      const header = (await readTrace(join(out, 'trace.jsonl')))[0] as TraceHeader;
      const sent = Number(/(\d+) messages sent, all reported below/.exec(cli.text())?.[1]);
      expect(header.interrupted).toEqual({ messagesSent: sent });
      expect(await readFile(join(out, 'report.html'), 'utf8')).toContain(`stopped early: ${sent} messages sent`);
      const again = startCli(['report', join(out, 'trace.jsonl'), '--html', join(out, 'again.html')]);
      expect(await again.exited).toBe(0);
      expect(again.text()).toContain(`INTERRUPTED run: ${sent} messages sent before it was stopped`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('capture off: the messages are still measured end to end, and no packet is recorded', { timeout: 60_000 }, async () => {
    const r = await runProfile({ workload: { rate: 50, sizes: [64], qos: 1, direction: 'up', durationMs: 500 }, brokerUrl: broker.url, logger: quiet, capture: false });
    expect(r).toMatchObject({ sent: 25, received: 25, lost: 0 });
    expect(of(r.records, 'packet')).toEqual([]);
    expect(of(r.records, 'message').map((m) => m.segments.map((s) => s.name))).toEqual(Array(25).fill(['schedule', 'path']));
  });
});

// Where the pcapng places each packet: the broker side of the tunnel.
const at = (p: TracePacket) => (p.dir === 'to-broker' ? p.stamps.writeCalled : p.stamps.brokerReceived);
const MSGTYPE: Record<string, number> = { connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7, subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14 };
