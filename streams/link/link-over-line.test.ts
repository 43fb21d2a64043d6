import { describe, expect, it } from 'vitest';
import { filter, firstValueFrom, Subject } from 'rxjs';
import { linkOverLine, type ByteLine } from './link-over-line.js';
import type { LinkCommand, LinkOutput } from './link-endpoint.js';
import { Channel, Role } from './protocol.js';

/** Two in-memory lines, crossed: each write arrives at the other side on a later turn. */
function crossedLines(): { a: ByteLine & { writes: Buffer[] }; b: ByteLine & { writes: Buffer[] } } {
  const toA = new Subject<Buffer>();
  const toB = new Subject<Buffer>();
  const side = (incoming: Subject<Buffer>, outgoing: Subject<Buffer>) => {
    const writes: Buffer[] = [];
    return {
      writes,
      data$: incoming.asObservable(),
      write: (bytes: Buffer) => {
        writes.push(Buffer.from(bytes));
        setImmediate(() => outgoing.next(Buffer.from(bytes)));
        return Promise.resolve();
      },
    };
  };
  return { a: side(toA, toB), b: side(toB, toA) };
}

describe('linkOverLine', () => {
  it("hands the frames of one turn to the line in one write, and each frame's write to onFrameWritten", async () => {
    const { a, b } = crossedLines();
    const hostCommands = new Subject<LinkCommand>();
    const boardCommands = new Subject<LinkCommand>();
    const host = new Subject<LinkOutput>();
    const board = new Subject<LinkOutput>();
    const written: Promise<void>[] = [];
    const options = { firmware: 't', mtu: 256, window: 16, pingIntervalMs: 60_000, helloIntervalMs: 20 };
    const subs = [
      linkOverLine(a, hostCommands, { ...options, role: Role.HOST, id: 'host' }).subscribe(host),
      linkOverLine(b, boardCommands, { ...options, role: Role.BOARD, id: 'board', onFrameWritten: (_f, w) => written.push(w) }).subscribe(board),
    ];
    const delivered: Buffer[] = [];
    host.pipe(filter((o) => o.type === 'deliver' && o.channel === Channel.MQTT)).subscribe((o) => o.type === 'deliver' && delivered.push(Buffer.from(o.payload)));
    await Promise.all([firstValueFrom(host.pipe(filter((o) => o.type === 'up'))), firstValueFrom(board.pipe(filter((o) => o.type === 'up')))]);

    const before = b.writes.length;
    const framesBefore = written.length;
    const pingreq = Buffer.of(0xc0, 0);
    for (let i = 0; i < 5; i++) boardCommands.next({ type: 'send-mqtt', connId: i, packet: pingreq });
    expect(b.writes.length).toBe(before); // nothing yet: the turn has not ended
    await new Promise((r) => setImmediate(r));
    expect(b.writes.length).toBe(before + 1);
    expect(b.writes[before].filter((x) => x === 0).length).toBe(10); // five frames, two delimiters each
    expect(written.length - framesBefore).toBe(5);
    expect(new Set(written.slice(framesBefore)).size).toBe(1); // all five in that one write

    // On separate turns, separate writes.
    boardCommands.next({ type: 'send-mqtt', connId: 5, packet: pingreq });
    await new Promise((r) => setImmediate(r));
    boardCommands.next({ type: 'send-mqtt', connId: 6, packet: pingreq });
    await new Promise((r) => setImmediate(r));
    expect(b.writes.length).toBe(before + 3);

    await new Promise((r) => setTimeout(r, 20));
    expect(delivered.map((p) => p[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    hostCommands.complete();
    boardCommands.complete();
    for (const s of subs) s.unsubscribe();
  });
});
