import type { Socket } from 'node:net';
import { fromEvent, Observable, share, takeUntil } from 'rxjs';
import { splitRawMqtt, type RawMqttEvent } from '../../streams/mqtt/raw-mqtt-split.js';
import type { CutProfile } from './cut-profile.js';

export interface BrokerLinkOptions {
  maxPacketBytes: number;
  stallTimeoutMs: number;
}

export interface BrokerClosed {
  /** Who ended it: the broker (socket end/reset) or the bridge (destroy). */
  by: 'broker' | 'bridge';
  detail: string;
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
    closedBy ??= { by: 'broker', detail: `broker connection error: ${error.code ?? error.message}` };
  });
  const close$ = fromEvent(socket, 'close');
  // Packets written in one event-loop turn (all those of one read from the board) leave in one
  // writev instead of one syscall each: per-packet writes halved QoS 0 throughput.
  let corked = false;
  let muted = false; // a silent cut: the socket stays, nothing more crosses it
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  const packets$: Observable<RawMqttEvent> = fromEvent(socket, 'data', (chunk: Buffer) => chunk).pipe(
    takeUntil(close$),
    splitRawMqtt({ maxPacketBytes: options.maxPacketBytes, stallTimeoutMs: options.stallTimeoutMs }),
    share(),
  );
  return {
    packets$,
    drain$: fromEvent(socket, 'drain'),
    /** Queues bytes for the broker; false when the socket is congested (wait for drain$). */
    write(bytes: Buffer): boolean {
      if (socket.destroyed || muted) return false;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      return socket.write(bytes);
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy(detail: string): void {
      closedBy ??= { by: 'bridge', detail };
      socket.destroy();
    },
    /** The board died: the broker sees what `profile` says (cut-profile.ts). */
    cut(profile: CutProfile, detail: string): void {
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
