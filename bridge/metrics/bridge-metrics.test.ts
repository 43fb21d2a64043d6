import { describe, expect, it } from 'vitest';
import { Subject, throwError } from 'rxjs';
import type { Registry } from 'prom-client';
import type { Packet } from 'mqtt-packet';
import type { DaemonBoard } from '../daemon/daemon.js';
import type { BoardClient } from '../daemon/board-clients.js';
import type { PacketEvent, SessionEvent } from '../session/session-types.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { createBridgeMetrics } from './bridge-metrics.js';

function fakeBoard(link: 'framed' | 'raw' = 'framed') {
  const events$ = new Subject<SessionEvent>();
  const packets$ = new Subject<PacketEvent>();
  const captures$ = new Subject<PacketCapture>();
  const clients: BoardClient[] = [];
  const board = { config: { link }, events$, packets$, captures$, clients: () => clients } as unknown as DaemonBoard;
  return { board, events$, packets$, captures$, clients };
}

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value;
}

const ms = (n: number) => BigInt(Math.round(n * 1e6));

describe('createBridgeMetrics', () => {
  it('counts packets, errors and drops per board, and starts every error counter at 0', async () => {
    const a = fakeBoard();
    const b = fakeBoard();
    const { registry, stop } = createBridgeMetrics({ boards: new Map([['a', a.board], ['b', b.board]]) }, { processMetrics: false });
    const publish = { cmd: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 1, dup: false, retain: false, messageId: 1 } as Packet;
    for (let i = 0; i < 3; i++) a.packets$.next({ connId: 1, direction: 'to-broker', packet: publish });
    a.packets$.next({ connId: 1, direction: 'to-board', packet: { cmd: 'puback', messageId: 1 } as Packet });
    a.events$.next({ type: 'line-dropped', reason: 'crc', bytes: 12 });
    a.events$.next({ type: 'line-dropped', reason: 'truncated', bytes: 3 });
    a.events$.next({ type: 'protocol-error', connId: 1, detail: 'x' });
    a.events$.next({ type: 'open-failed', connId: 2, reason: 3, text: 'refused' });
    a.events$.next({ type: 'cut', connId: 1, profile: 'fin' });

    expect(await value(registry, 'dl7450_packets_total', { board: 'a', direction: 'to-broker', type: 'publish' })).toBe(3);
    expect(await value(registry, 'dl7450_packets_total', { board: 'a', direction: 'to-board', type: 'puback' })).toBe(1);
    expect(await value(registry, 'dl7450_crc_errors_total', { board: 'a' })).toBe(1);
    expect(await value(registry, 'dl7450_line_dropped_total', { board: 'a', reason: 'crc' })).toBe(1);
    expect(await value(registry, 'dl7450_line_dropped_total', { board: 'a', reason: 'truncated' })).toBe(1);
    expect(await value(registry, 'dl7450_protocol_errors_total', { board: 'a' })).toBe(1);
    expect(await value(registry, 'dl7450_open_failed_total', { board: 'a' })).toBe(1);
    expect(await value(registry, 'dl7450_cuts_total', { board: 'a' })).toBe(1);
    for (const name of ['dl7450_crc_errors_total', 'dl7450_protocol_errors_total', 'dl7450_open_failed_total', 'dl7450_cuts_total']) {
      expect(await value(registry, name, { board: 'b' })).toBe(0);
    }
    expect(await value(registry, 'dl7450_line_dropped_total', { board: 'b', reason: 'oversize' })).toBe(0);
    expect(await value(registry, 'dl7450_line_dropped_total', { board: 'b', reason: 'plain-mqtt' })).toBe(0);
    stop();
  });

  it('follows the link and counts connected clients at scrape time', async () => {
    const framed = fakeBoard();
    const raw = fakeBoard('raw');
    const { registry, stop } = createBridgeMetrics({ boards: new Map([['f', framed.board], ['r', raw.board]]) }, { processMetrics: false });
    expect(await value(registry, 'dl7450_link_up', { board: 'f' })).toBe(0);
    framed.events$.next({ type: 'link-up', board: 'f', firmware: '1', cause: 'hello' });
    framed.events$.next({ type: 'opened', connId: 1, url: 'x' });
    raw.events$.next({ type: 'opened', connId: 0, url: '' });
    framed.clients.push({ connId: 1, clientId: 'c1', keepalive: 60 }, { connId: 2, clientId: 'c2', keepalive: 60 });
    expect(await value(registry, 'dl7450_link_up', { board: 'f' })).toBe(1);
    expect(await value(registry, 'dl7450_link_up', { board: 'r' })).toBe(1);
    expect(await value(registry, 'dl7450_connections', { board: 'f' })).toBe(2);
    expect(await value(registry, 'dl7450_connections', { board: 'r' })).toBe(0);
    framed.events$.next({ type: 'closed', connId: 1, reason: 0, text: 'bye' });
    expect(await value(registry, 'dl7450_link_up', { board: 'f' })).toBe(1);
    framed.events$.next({ type: 'link-down', cause: 'timeout', detail: '' });
    raw.events$.next({ type: 'closed', connId: 0, reason: 0, text: 'bye' });
    expect(await value(registry, 'dl7450_link_up', { board: 'f' })).toBe(0);
    expect(await value(registry, 'dl7450_link_up', { board: 'r' })).toBe(0);
    stop();
  });

  it('times host residence and serial time from the capture stamps, and counts bytes', async () => {
    const a = fakeBoard();
    const { registry, stop } = createBridgeMetrics({ boards: new Map([['a', a.board]]) }, { processMetrics: false });
    const base = { connId: 1, cmd: 'publish', length: 40, bytes: Buffer.alloc(40) };
    a.captures$.next({ ...base, dir: 'to-broker', stamps: { serialFirst: ms(1), serialLast: ms(4), decoded: ms(4.01), parsed: ms(4.02), writeCalled: ms(4.03), flushed: ms(4.05) } });
    a.captures$.next({ ...base, cmd: 'puback', length: 4, bytes: Buffer.alloc(4), dir: 'to-board', stamps: { brokerReceived: ms(10), parsed: ms(10.01), serialQueued: ms(10.02), serialDrained: ms(12) } });
    // Stamps not taken: counted in bytes, kept out of the histograms.
    a.captures$.next({ ...base, dir: 'to-broker', stamps: { serialFirst: 0n, serialLast: 0n, decoded: 0n, parsed: 0n, writeCalled: 0n, flushed: 0n } });

    expect(await value(registry, 'dl7450_bytes_total', { board: 'a', direction: 'to-broker' })).toBe(80);
    expect(await value(registry, 'dl7450_bytes_total', { board: 'a', direction: 'to-board' })).toBe(4);
    const text = await registry.metrics();
    const sample = (line: string) => Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').pop());
    expect(sample('dl7450_residence_seconds_count{board="a",direction="to-broker"}')).toBe(1);
    expect(sample('dl7450_residence_seconds_sum{board="a",direction="to-broker"}')).toBeCloseTo(50e-6, 9);
    expect(sample('dl7450_residence_seconds_bucket{le="0.00005",board="a",direction="to-broker"}')).toBe(1);
    expect(sample('dl7450_residence_seconds_bucket{le="0.000025",board="a",direction="to-broker"}')).toBe(0);
    expect(sample('dl7450_residence_seconds_sum{board="a",direction="to-board"}')).toBeCloseTo(20e-6, 9);
    expect(sample('dl7450_serial_seconds_sum{board="a",direction="to-broker"}')).toBeCloseTo(3e-3, 9);
    expect(sample('dl7450_serial_seconds_sum{board="a",direction="to-board"}')).toBeCloseTo(1.98e-3, 9);
    stop();
  });

  it('survives a misbehaving board and stops watching on stop()', async () => {
    const bad = fakeBoard();
    const good = fakeBoard();
    (bad.board as { clients: () => BoardClient[] }).clients = () => {
      throw new Error('broken');
    };
    (bad.board as { captures$: unknown }).captures$ = throwError(() => new Error('no captures'));
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o) } as never;
    const { registry, stop } = createBridgeMetrics({ boards: new Map([['bad', bad.board], ['good', good.board]]) }, { processMetrics: false, logger });
    bad.packets$.next({ connId: 1, direction: 'to-broker' } as PacketEvent); // no packet: the callback fails
    bad.packets$.next({ connId: 1, direction: 'to-broker', packet: { cmd: 'pingreq' } as Packet });
    good.clients.push({ connId: 1, clientId: 'c', keepalive: 0 });
    expect(await value(registry, 'dl7450_packets_total', { board: 'bad', direction: 'to-broker', type: 'pingreq' })).toBe(1);
    expect(await value(registry, 'dl7450_connections', { board: 'good' })).toBe(1);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(good.events$.observed && good.packets$.observed && good.captures$.observed).toBe(true);
    stop();
    expect(good.events$.observed || good.packets$.observed || good.captures$.observed || bad.events$.observed).toBe(false);
  });

  it('keeps process metrics in its own registry', async () => {
    const { registry, stop } = createBridgeMetrics({ boards: new Map() });
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');
    stop();
  });
});
