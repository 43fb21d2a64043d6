import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Role } from '../../streams/link/protocol.js';
import { createMemoryLinkPair, type MemoryLink } from '../memory/memory-link.js';
import { patternBytes } from '../test-support/bytes.js';
import { createLineModel, type LineModel } from './line-model.js';
import { startLinkEnd } from './test-support/link-end.js';

// The link protocol's reliability layer against a line that is slow and noisy the way a real
// one is, end to end: real endpoints, real framing, a memory link pair with the line model on
// the board's end. Real time, because memory links deliver with setImmediate.
//
// 50 KiB at 115 200 baud is 4.4 s of wire time one way before any retransmission, so the 50 KiB
// go half each way, concurrently (the directions are independent): about 3 s in all. Both ends
// use the virtual board's MTU and window (256 bytes, 4 frames). A larger window costs on such a
// line, as go-back-N resends all that is unacknowledged: with the host window at 120 instead of
// 32 this run took 1.4-2.2 x as long (a review, 2026-12-07), which is why serial lines keep 32.

const BAUD = 115_200;
const HALF = 25 * 1024;
const PAYLOAD = 200;

function publishes(direction: string, bytes: number): Buffer[] {
  return Array.from({ length: Math.ceil(bytes / PAYLOAD) }, (_, i) =>
    mqttPacket.generate({ cmd: 'publish', topic: `${direction}/${i}`, payload: patternBytes(PAYLOAD, i + 1), qos: 0, retain: false, dup: false }),
  );
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('line model under the link protocol', () => {
  it('carries 50 KiB of MQTT data exactly once and in order over a noisy 115 200 baud line, retransmitting what it loses', async () => {
    const ends: MemoryLink[] = createMemoryLinkPair('line-model');
    await Promise.all(ends.map((end) => end.open()));
    const [boardSide, hostSide] = ends;
    const line: LineModel = createLineModel(boardSide, { baud: BAUD, faults: { bitError: 1e-4, drop: 1e-4 }, seed: 7 });
    const host = startLinkEnd(hostSide, { role: Role.HOST, id: 'host', mtu: 256, window: 4 });
    const board = startLinkEnd(line, { role: Role.BOARD, id: 'board', mtu: 256, window: 4 });
    cleanup = async () => {
      line.close();
      await Promise.all(ends.map((end) => end.close()));
    };
    await Promise.all([host.up, board.up]);

    const up = publishes('up', HALF);
    const down = publishes('down', HALF);
    expect(up.reduce((n, p) => n + p.length, 0) + down.reduce((n, p) => n + p.length, 0)).toBeGreaterThan(50 * 1024);
    for (const packet of up) board.sendMqtt(1, packet);
    for (const packet of down) host.sendMqtt(1, packet);
    await Promise.all([host.received(up.length), board.received(down.length)]);
    const [hostStats, boardStats] = await Promise.all([host.stop(), board.stop()]);

    // Exactly once, in order, byte for byte, each way.
    expect(host.packets).toHaveLength(up.length);
    host.packets.forEach((p, i) => expect(p.equals(up[i]), `up packet ${i}`).toBe(true));
    expect(board.packets).toHaveLength(down.length);
    board.packets.forEach((p, i) => expect(p.equals(down[i]), `down packet ${i}`).toBe(true));

    // The line really was noisy both ways, and the link repaired it without giving up.
    const { tx, rx } = line.stats();
    expect(tx.bitErrors + tx.drops).toBeGreaterThan(0);
    expect(rx.bitErrors + rx.drops).toBeGreaterThan(0);
    expect(hostStats.retransmits + boardStats.retransmits).toBeGreaterThan(0);
    expect(hostStats.dropped.crc + hostStats.dropped.truncated + boardStats.dropped.crc + boardStats.dropped.truncated).toBeGreaterThan(0);
    expect(hostStats.broken + boardStats.broken + hostStats.resets + boardStats.resets).toBe(0);
  });
});
