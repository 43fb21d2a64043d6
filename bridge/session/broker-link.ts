import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { fromEvent, Observable, share, takeUntil } from 'rxjs';
import { splitRawMqtt, type RawMqttEvent } from '../../streams/mqtt/raw-mqtt-split.js';
import { hrNow, stampArrival, type ArrivalCell } from '../../streams/timing/clock.js';
import type { CutProfile } from './cut-profile.js';
import { Reason } from '../../streams/link/protocol.js';
import { AdjacentRuns } from './adjacent-runs.js';
import { describeResetBeforeAnswer, describeTlsFailure } from '../broker/tls-failure.js';

export interface BrokerLinkOptions {
  maxPacketBytes: number;
  stallTimeoutMs: number;
}

export interface BrokerClosed {
  /** Who ended it: the broker (socket end/reset) or the bridge (destroy). */
  by: 'broker' | 'bridge';
  detail: string;
  /** The link Reason when the error told more than "closed": a TLS alert after the handshake. */
  reason?: number;
}

/** A write whose flush time someone waits for; told once (`at` undefined: it failed). */
interface TimedWrite {
  flushed?: (at: bigint) => void;
}

function settle(t: TimedWrite, at: bigint | undefined): void {
  if (at !== undefined) t.flushed?.(at);
  t.flushed = undefined;
}

/**
 * One broker connection, as a session sees it: whole MQTT packets coming from the broker (the
 * same bytes, split, never re-encoded), a write that says when the socket is congested, and
 * destroy() that drops the connection without DISCONNECT — which is what makes the broker
 * publish the board's will.
 */
export function createBrokerLink(socket: Socket, options: BrokerLinkOptions) {
  let closedBy: BrokerClosed | undefined;
  const closed = new Promise<BrokerClosed>((resolve) => {
    socket.once('close', (hadError) => {
      closedBy ??= { by: 'broker', detail: hadError ? 'the broker connection failed' : 'the broker closed the connection' };
      resolve(closedBy);
    });
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    // TLS 1.3 brokers refuse a client certificate only after the client's handshake is done,
    // so that refusal arrives here, on an open connection.
    const tls = describeTlsFailure(error) ?? (socket instanceof TLSSocket && readAt.at === 0n ? describeResetBeforeAnswer(error) : undefined);
    closedBy ??= tls ? { by: 'broker', detail: tls.text, reason: Reason.TLS_FAILED } : { by: 'broker', detail: `broker connection error: ${error.code ?? error.message}` };
  });
  const close$ = fromEvent(socket, 'close');
  // The first packet of an event-loop turn leaves at once: a lone packet, the usual case below
  // a flood, waits for nothing. The rest of a burst (all those of one read from the board)
  // gathers behind it into one writev instead of one syscall each: per-packet writes halved
  // QoS 0 throughput.
  let wroteThisTurn = false;
  let corked = false;
  let held = false; // hold(): every write waits for release()
  const heldRuns = new AdjacentRuns(); // untimed writes while held, not yet given to the socket
  let muted = false; // a silent cut: the socket stays, nothing more crosses it
  // Timed writes of this turn: flushed when the uncork's writev took them all (what the kernel
  // got, when); otherwise when their write callbacks say so. Node defers those callbacks past
  // the rest of the turn, which would charge the bridge for whatever else ran meanwhile.
  let timed: TimedWrite[] = [];
  const endTurn = (): void => {
    if (held) return;
    wroteThisTurn = false;
    if (corked) uncork();
  };
  const uncork = (): void => {
    corked = false;
    socket.uncork();
    if (timed.length === 0) return;
    const batch = timed;
    timed = [];
    if (socket.writableLength !== 0) return;
    const at = hrNow();
    for (const t of batch) settle(t, at);
  };
  /** What hold() kept back goes to the (still corked) socket, in order. */
  const flushHeld = (): boolean => {
    if (heldRuns.empty) return true;
    const runs = heldRuns.take();
    if (socket.destroyed || muted) return false;
    let room = true;
    for (const run of runs) room = socket.write(run) && room;
    return room;
  };
  /** Ends hold(): what it held goes to the kernel now. False when the socket is congested (wait for drain$). */
  const release = (): boolean => {
    if (!held) return !socket.writableNeedDrain;
    const room = flushHeld();
    held = false;
    wroteThisTurn = false;
    if (corked) uncork();
    return room && !socket.writableNeedDrain;
  };
  const readAt: ArrivalCell = { at: 0n };
  const packets$: Observable<RawMqttEvent> = fromEvent(socket, 'data', (chunk: Buffer) => chunk).pipe(
    takeUntil(close$),
    stampArrival(readAt),
    splitRawMqtt({ maxPacketBytes: options.maxPacketBytes, stallTimeoutMs: options.stallTimeoutMs }),
    share(),
  );
  return {
    packets$,
    /** When the socket read that completed the packet packets$ is emitting arrived. */
    readAt,
    drain$: fromEvent(socket, 'drain'),
    /**
     * Queues bytes for the broker; false when the socket is congested (wait for drain$).
     * `flushed` is called once the socket handed them to the kernel, with the time it did.
     */
    write(bytes: Buffer, flushed?: (at: bigint) => void): boolean {
      if (socket.destroyed || muted) return false;
      if (held) {
        // Room is known once release() writes them; a timed write keeps its own callback.
        if (!flushed) return heldRuns.add(bytes), true;
        flushHeld();
      }
      const first = !wroteThisTurn;
      if (first) {
        wroteThisTurn = true;
        process.nextTick(endTurn);
      } else if (!corked) {
        corked = true;
        socket.cork();
      }
      if (!flushed) return socket.write(bytes);
      const t: TimedWrite = { flushed };
      const room = socket.write(bytes, (error) => settle(t, error ? undefined : hrNow()));
      // The first write is not corked: if the kernel took it whole, that was now, and its
      // callback would only come after the turn. The corked ones settle at the uncork.
      if (!first) timed.push(t);
      else if (socket.writableLength === 0) settle(t, hrNow());
      return room;
    },
    /**
     * Until release(), writes gather behind each other instead of the first leaving at once:
     * for what one read from the board sets off, whose packets are known to come together.
     * A lone packet then leaves at release(), right after its read is handled; a burst leaves
     * in one writev, not in a write for its first packet and a writev for the rest.
     */
    hold(): void {
      if (held || socket.destroyed) return;
      held = true;
      wroteThisTurn = true;
      if (!corked) {
        corked = true;
        socket.cork();
      }
    },
    release,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy(detail: string): void {
      release(); // what the board sent before the end is not lost in a hold
      closedBy ??= { by: 'bridge', detail };
      socket.destroy();
    },
    /** The board died: the broker sees what `profile` says (cut-profile.ts). */
    cut(profile: CutProfile, detail: string): void {
      release();
      closedBy ??= { by: 'bridge', detail: `${detail} (cut: ${profile})` };
      if (profile === 'rst') {
        socket.resetAndDestroy();
      } else if (profile === 'fin') {
        socket.destroySoon(); // FIN once what was queued is out; then the socket goes
      } else {
        // Half-open until the broker gives up on it (keep-alive) or the bridge stops. Still read
        // (and dropped, never forwarded): a paused socket would never see the broker's close.
        muted = true;
        socket.on('data', () => undefined);
        socket.resume();
      }
    },
    /** After the board's DISCONNECT: let it reach the broker, then close (no will). */
    end(detail: string): void {
      release();
      closedBy ??= { by: 'bridge', detail };
      socket.end();
    },
    closed,
    get isClosed(): boolean {
      return socket.destroyed;
    },
    /** A write has been refused room; drain$ will say when there is some again. */
    get congested(): boolean {
      return socket.writableNeedDrain;
    },
  };
}

export type BrokerLink = ReturnType<typeof createBrokerLink>;
