import { percentile } from '../../bridge/campaign/percentiles.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';

/** A stretch of a packet's time in the bridge, between two of its stamps. */
interface Piece {
  name: string;
  of(c: PacketCapture): number | undefined;
}

const us = (from: bigint, to: bigint) => Number(to - from) / 1000;
const up = (f: (s: Extract<PacketCapture, { dir: 'to-broker' }>['stamps']) => number): Piece['of'] => (c) => (c.dir === 'to-broker' && c.cmd === 'publish' ? f(c.stamps) : undefined);
const down = (f: (s: Extract<PacketCapture, { dir: 'to-board' }>['stamps']) => number): Piece['of'] => (c) => (c.dir === 'to-board' && c.cmd === 'puback' ? f(c.stamps) : undefined);

// The residences first (what the targets are about), then the pieces they are made of, so a
// miss says where the time goes. The board's PUBLISHes go up, the broker's PUBACKs come down.
// Both residences end where the bridge hands the packet on: to-broker at the broker socket
// write (writeCalled), to-board at the link (serialQueued). The third row adds the broker
// socket's syscall, the kernel's loopback send, which to-board's has no counterpart of.
export const PIECES: Piece[] = [
  { name: 'to-broker residence (serialLast → writeCalled: handed to the socket)', of: up((s) => us(s.serialLast, s.writeCalled)) },
  { name: 'to-board residence (brokerReceived → serialQueued: handed to the link)', of: down((s) => us(s.brokerReceived, s.serialQueued)) },
  { name: 'to-broker with its output syscall (serialLast → flushed)', of: up((s) => us(s.serialLast, s.flushed)) },
  { name: '↑ serialLast → decoded (deframe; after earlier packets of the same read)', of: up((s) => us(s.serialLast, s.decoded)) },
  { name: '↑ decoded → parsed (link endpoint, reassembly, MQTT parse)', of: up((s) => us(s.decoded, s.parsed)) },
  { name: '↑ parsed → writeCalled', of: up((s) => us(s.parsed, s.writeCalled)) },
  { name: '↑ writeCalled → flushed (rest of the turn, then the writev)', of: up((s) => us(s.writeCalled, s.flushed)) },
  { name: '↑ serialFirst → serialLast (line, for info)', of: up((s) => us(s.serialFirst, s.serialLast)) },
  { name: '↓ brokerReceived → parsed (after earlier packets of the same read)', of: down((s) => us(s.brokerReceived, s.parsed)) },
  { name: '↓ parsed → serialQueued', of: down((s) => us(s.parsed, s.serialQueued)) },
  { name: '↓ serialQueued → serialDrained (framing, link window, line write; for info)', of: down((s) => us(s.serialQueued, s.serialDrained)) },
];

export interface PieceStats {
  name: string;
  n: number;
  p50: number;
  p99: number;
  /** Values below zero: stamps out of order. */
  negative: number;
}

/**
 * Collects every piece of every capture as plain numbers (a capture holds a copy of its bytes:
 * keeping thousands would cost the bridge's process more than it measures), leaving out the
 * first `warmupNs` after the first PUBLISH, while the JIT is still at work.
 */
export function createResidence(warmupNs: bigint) {
  const samples = PIECES.map(() => [] as number[]);
  let from: bigint | undefined;
  return {
    onCapture(c: PacketCapture): void {
      const first = c.dir === 'to-broker' ? c.stamps.serialLast : c.stamps.brokerReceived;
      if (from === undefined && c.cmd === 'publish') from = first + warmupNs;
      if (from === undefined || first < from) return;
      PIECES.forEach((p, i) => {
        const v = p.of(c);
        if (v !== undefined) samples[i].push(v);
      });
    },
    stats(): PieceStats[] {
      return PIECES.map((p, i) => ({ name: p.name, n: samples[i].length, p50: percentile(samples[i], 50) ?? NaN, p99: percentile(samples[i], 99) ?? NaN, negative: samples[i].filter((v) => v < 0).length }));
    },
  };
}

/** Per piece across runs: packets summed, p50 and p99 the medians of the runs' values. */
export function medianOfRuns(runs: PieceStats[][]): PieceStats[] {
  const median = (xs: number[]) => percentile(xs, 50) ?? NaN;
  return PIECES.map((p, i) => ({
    name: p.name,
    n: runs.reduce((sum, r) => sum + r[i].n, 0),
    p50: median(runs.map((r) => r[i].p50)),
    p99: median(runs.map((r) => r[i].p99)),
    negative: runs.reduce((sum, r) => sum + r[i].negative, 0),
  }));
}
