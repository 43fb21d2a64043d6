import type { LinkOverLineOptions } from '../../../streams/link/link-over-line.js';
import { createMemoryLinkPair, type MemoryLink } from '../../memory/memory-link.js';
import { createVirtualBoard, type BoardEvent, type VirtualBoard, type VirtualBoardOptions } from '../virtual-board.js';
import { createMailbox } from './mailbox.js';
import { startScriptedHost, type ScriptedHost } from './scripted-host.js';

export interface LineWrite {
  bytes: Buffer;
  settled: Promise<unknown>;
}

export interface Bench {
  board: VirtualBoard;
  host: ScriptedHost;
  boardEnd: MemoryLink;
  hostEnd: MemoryLink;
  /** Every write the board made to its line, in order. */
  writes: LineWrite[];
  /** Every board event, in order (never consumed). */
  events: BoardEvent[];
  /** Takes the next board event of this type. */
  event<T extends BoardEvent['type']>(type: T, match?: (e: Extract<BoardEvent, { type: T }>) => boolean): Promise<Extract<BoardEvent, { type: T }>>;
  cleanup(): Promise<void>;
}

export interface BenchOptions {
  board?: Partial<VirtualBoardOptions>;
  host?: Partial<LinkOverLineOptions>;
}

/** A framed virtual board and a scripted host on the two ends of a memory line, the link up on both sides. */
export async function startBench(options: BenchOptions = {}): Promise<Bench> {
  const [boardEnd, hostEnd] = createMemoryLinkPair('board-line');
  await Promise.all([boardEnd.open(), hostEnd.open()]);
  const host = startScriptedHost(hostEnd, options.host);
  const writes: LineWrite[] = [];
  const line = {
    data$: boardEnd.data$,
    write(bytes: Buffer) {
      const done = boardEnd.write(bytes);
      writes.push({ bytes: Buffer.from(bytes), settled: done.catch(() => undefined) });
      return done;
    },
  };
  const board = createVirtualBoard({ line, mode: 'framed', id: 'bench-board', ...options.board });
  const events: BoardEvent[] = [];
  const box = createMailbox<BoardEvent>();
  board.events$.subscribe((e) => {
    events.push(e);
    box.put(e);
  });
  const bench: Bench = {
    board,
    host,
    boardEnd,
    hostEnd,
    writes,
    events,
    event: (type, match) => box.take((e) => e.type === type && (match?.(e as never) ?? true), `board event ${type}`) as never,
    async cleanup() {
      board.cut();
      host.stop();
      await Promise.all([boardEnd.close(), hostEnd.close()]);
    },
  };
  await Promise.all([host.next('up'), bench.event('link-up')]);
  return bench;
}
