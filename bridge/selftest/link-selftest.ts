import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, filter, firstValueFrom, fromEvent, lastValueFrom, map, merge, mergeMap, of, Subject, takeUntil, timer, type Subscription } from 'rxjs';
import mqtt from 'mqtt-packet';
import { createPtyLink } from '../../drivers/pty/pty-link.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import { createLineFaults, seededRandom, type FaultKind } from '../../streams/faults/line-faults.js';
import { encodeFrame } from '../../streams/framing/frame.js';
import { linkOverLine, type ByteLine, type LinkOverLineOptions } from '../../streams/link/link-over-line.js';
import type { LinkCommand, LinkOutput } from '../../streams/link/link-endpoint.js';
import { emptyLinkStats, type LinkStats } from '../../streams/link/link-stats.js';
import { Channel, FLAGS_WHOLE, Role } from '../../streams/link/protocol.js';
import { reassembleMqtt } from '../../streams/mqtt/mqtt-reassemble.js';
import { parseMqtt } from '../../streams/mqtt/mqtt-parse.js';
import type { SelftestOptions } from './selftest-options.js';

export interface SelftestResult {
  passed: boolean;
  failure?: string;
  ptyPath: string;
  packetsSent: number;
  packetsDelivered: number;
  outOfOrder: number;
  bytesDelivered: number;
  elapsedMs: number;
  injected: Record<FaultKind, number>;
  /** Frames the board wrote (retransmissions included): what the injected faults are shares of. */
  framesWritten: number;
  intactFramesSent: number;
  host: LinkStats;
  board: LinkStats;
  /** Stopped early (Ctrl-C): the counts and checks cover the packets delivered by then. */
  interrupted?: boolean;
}

const END_MARKER = Buffer.from('selftest-end');
const HOST_MTU_FOR_TEST = 512; // small enough that larger packets cross the line fragmented

/**
 * Packet i of a run: a PUBLISH of assorted size (some larger than the host MTU), numbered in
 * its topic. Made from its own seed, so a run of millions holds only the packets in flight
 * and the host can check each one against a fresh copy.
 */
function packetAt(seed: number, i: number): Buffer {
  const random = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
  const size = random() < 0.1 ? 600 + Math.floor(random() * 1400) : Math.floor(random() * 300);
  const payload = Buffer.alloc(size);
  for (let k = 0; k < size; k++) payload[k] = Math.floor(random() * 256);
  return mqtt.generate({ cmd: 'publish', topic: `selftest/${i}`, payload, qos: 1, messageId: (i % 65535) + 1, retain: false, dup: false });
}

// Packets queued on the board ahead of what the host has received: plenty to keep the link's
// window full, few enough that memory and the time to stop do not grow with --packets.
const IN_FLIGHT = 512;

/**
 * The link self-test: the bridge opens its own pty, a board-side program attaches to it as to a
 * serial device, and the board's line is damaged with garbage, truncated frames, corrupted
 * bytes and boot text. Every MQTT packet must still arrive exactly once and in order, and every
 * frame that crossed the line intact must be recovered.
 */
export async function runLinkSelftest(options: SelftestOptions, onProgress: (delivered: number) => void, signal?: AbortSignal): Promise<SelftestResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-selftest-'));
  const host = createPtyLink({ linkPath: join(dir, 'board0') });
  const subs: Subscription[] = [];
  try {
    await host.open();
    const random = seededRandom(options.seed);
    const total = options.packets;
    let queued = 0;
    const injected = { drop: 0, corrupt: 0, duplicate: 0, truncate: 0, garbage: 0, text: 0 };
    let intactFramesSent = 0;
    let framesWritten = 0;
    const faults = createLineFaults(random, options.faults, (kind) => injected[kind]++);
    // A frame cut just before its closing 0x00 is still intact if the next bytes on the line
    // start with a 0x00 (the next frame's leading delimiter closes it: that is what it is for);
    // noise written first glues onto it instead.
    let unclosed = false;
    const countIntact = (wire: Buffer) => {
      framesWritten++;
      const out = faults(wire);
      for (const b of out) {
        if (unclosed && b[0] === 0) intactFramesSent++;
        unclosed = false;
        if (b.length === wire.length && b.equals(wire)) intactFramesSent++;
        else if (b.length === wire.length - 1 && wire.subarray(0, b.length).equals(b)) unclosed = true;
      }
      return out;
    };

    const host$ = runSide(host, { role: Role.HOST, id: 'dl7450-bridge', firmware: 'selftest', mtu: HOST_MTU_FOR_TEST, window: 16, ownsChunks: true });
    let delivered = 0;
    let outOfOrder = 0;
    let bytesDelivered = 0;
    const allDelivered = new Subject<void>();
    subs.push(
      host$.out
        .pipe(
          filter((o): o is Extract<LinkOutput, { type: 'deliver' }> => o.type === 'deliver' && o.channel === Channel.MQTT),
          reassembleMqtt({ maxPacketBytes: 1 << 20 }),
          mergeMap((m) => (m.type === 'packet' ? [m] : [])),
          parseMqtt(),
        )
        .subscribe((p) => {
          if (p.type === 'packet' && delivered < total && p.bytes.equals(packetAt(options.seed, delivered))) {
            delivered++;
            bytesDelivered += p.bytes.length;
          } else outOfOrder++;
          onProgress(delivered);
          if (delivered === total) allDelivered.next();
          else topUp();
        }),
      host$.out.pipe(filter((o) => o.type === 'deliver' && o.channel === Channel.LOG && o.payload.equals(END_MARKER))).subscribe(() => host$.stop()),
    );
    subs.push(host$.start());

    // The board side: a program opening the pty path like any serial device.
    const board = createSerialportLink({ path: join(dir, 'board0'), baudRate: 115200 });
    await board.open();
    const board$ = runSide(board, { role: Role.BOARD, id: 'selftest-board', firmware: 'selftest', mtu: 256, window: 4, lineFaults: countIntact });
    const topUp = (): void => {
      while (queued < total && queued - delivered < IN_FLIGHT) board$.commands.next({ type: 'send-mqtt', connId: 1, packet: packetAt(options.seed, queued++) });
    };
    subs.push(board$.out.pipe(filter((o) => o.type === 'up')).subscribe(() => {
      topUp();
    }));
    const started = Date.now();
    subs.push(board$.start());
    // Ctrl-C ends the wait like the last packet does: the drain and the checks below still run.
    const interrupted$ = signal === undefined ? EMPTY : signal.aborted ? of('interrupted' as const) : fromEvent(signal, 'abort').pipe(map(() => 'interrupted' as const));
    const outcome = await firstValueFrom(merge(allDelivered.pipe(map(() => 'done' as const)), interrupted$).pipe(takeUntil(timer(options.timeoutMs))), {
      defaultValue: 'timeout' as const,
    });
    const elapsedMs = Date.now() - started;

    // Stop the board, then write an undamaged marker behind everything it sent: when the host
    // reads it, the line is drained and the counts are final.
    board$.stop();
    const finalBoard = await board$.stats;
    if (unclosed) intactFramesSent++; // the marker below starts with 0x00 and closes it
    await board.write(encodeFrame({ channel: Channel.LOG, flags: FLAGS_WHOLE, seq: 0, ack: 0, credit: 0, payload: END_MARKER }));
    intactFramesSent++;
    const finalHost = await withTimeout(host$.stats, 5000);
    await board.close();

    const empty = emptyLinkStats();
    const result: SelftestResult = {
      passed: false,
      ptyPath: `${join(dir, 'board0')} -> ${host.ptsPath}`,
      packetsSent: total,
      packetsDelivered: delivered,
      outOfOrder,
      bytesDelivered,
      elapsedMs,
      injected,
      framesWritten,
      intactFramesSent,
      host: finalHost ?? empty,
      board: finalBoard ?? empty,
      ...(outcome === 'interrupted' && { interrupted: true }),
    };
    result.failure =
      outcome === 'timeout'
        ? `timed out after ${options.timeoutMs} ms with ${delivered}/${total} packets delivered`
        : outOfOrder > 0
          ? `${outOfOrder} packets arrived out of order, duplicated or damaged`
          : finalHost === undefined
            ? 'the host never read the end marker: the line did not drain'
            : finalHost.framesIn !== intactFramesSent
              ? `${intactFramesSent} frames crossed the line intact but the host recovered ${finalHost.framesIn}`
              : undefined;
    result.passed = result.failure === undefined;
    return result;
  } finally {
    for (const s of subs) s.unsubscribe();
    await host.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let handle: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (handle = setTimeout(resolve, ms, undefined)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(handle));
}

/** One side of the test: a link endpoint on a line, started and stopped on demand. */
function runSide(line: ByteLine, options: LinkOverLineOptions) {
  const commands = new Subject<LinkCommand>();
  const out = new Subject<LinkOutput>();
  const stats = lastValueFrom(out.pipe(filter((o) => o.type === 'stats'), map((o) => o.stats)), { defaultValue: undefined });
  return {
    commands,
    out,
    stats,
    start: () => linkOverLine(line, commands, options).subscribe(out),
    stop: () => commands.complete(),
  };
}
