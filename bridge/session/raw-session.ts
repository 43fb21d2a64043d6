import { Subject, type Subscription } from 'rxjs';
import { splitRawMqtt } from '../../streams/mqtt/raw-mqtt-split.js';
import { seekConnect } from '../../streams/mqtt/seek-connect.js';
import { hysteresis } from '../../streams/flow/hysteresis.js';
import { aroundEach } from '../../streams/flow/around-each.js';
import { trackedWrites } from '../../streams/flow/tracked-writes.js';
import { Reason } from '../../streams/link/protocol.js';
import { createBoardConnection, withWritesHeld, type BoardConnection, type ToBoardTiming } from './board-connection.js';
import { hrNow, stampArrival, type ArrivalCell } from '../../streams/timing/clock.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { DEFAULT_CUT_PROFILE, type CutProfile } from './cut-profile.js';
import { createCutter } from './lingering.js';
import type { BrokerFailure, PacketEvent, RunningSession, SessionDeps, SessionEvent } from './session-types.js';
import { BUILT_IN_BOARD_SETTINGS } from '../config/config-defaults.js';

const DEFAULT_QUEUE_BYTES = BUILT_IN_BOARD_SETTINGS.queueBytes;
const MQTT_CONNECT = 1;

export interface RawSessionDeps extends SessionDeps {
  /**
   * Ends the board's side of the connection, for lines that can (a TCP board link): raw mode has
   * no CLOSED message, so the broker closing is passed on as a close. A tty cannot be closed
   * on the board's behalf; its next CONNECT starts a new connection.
   */
  closeLine?: () => void;
}

/**
 * A board writing plain MQTT onto its line: one broker connection per board connection, opened
 * at its CONNECT, bytes passed through unchanged both ways. Flow control: a congested broker
 * socket stops reading the line; bytes queued toward a slow line pause the broker socket.
 */
export function runRawSession(deps: RawSessionDeps): RunningSession {
  const log = deps.logger.child({ board: deps.name, conn: 0 });
  const events$ = new Subject<SessionEvent>();
  const packets$ = new Subject<PacketEvent>();
  const captures$ = new Subject<PacketCapture>();
  const captureSink = { next: (c: PacketCapture) => captures$.next(c), keepSecrets: deps.settings.captureSecrets ?? false };
  // A raw line has no frames: a packet's first and last byte both get the time of the read
  // that completed it.
  const lineReadAt: ArrivalCell = { at: 0n };
  const toLine = new Subject<{ bytes: Buffer; timing?: ToBoardTiming; queued: bigint }>();
  const queueBytes = deps.settings.queueBytes ?? DEFAULT_QUEUE_BYTES;
  let connection: BoardConnection | undefined;
  let lineCongested = false;
  let cycle: Subscription | undefined;
  const cutter = deps.cutter ?? createCutter();
  const boardProfile = deps.settings.cutProfile ?? DEFAULT_CUT_PROFILE;

  const reading = (on: boolean) => (on ? deps.line.resumeReading() : deps.line.pauseReading());

  const connect = (): BoardConnection => {
    const c = createBoardConnection(
      0,
      {
        deps,
        emit: (e) => events$.next(e),
        packets: () => (packets$.observed ? packets$ : undefined),
        captures: () => (captures$.observed ? captureSink : undefined),
        toBoard: (bytes, timing) => toLine.next({ bytes, timing, queued: timing ? hrNow() : 0n }),
        blocked: (blocked) => reading(!blocked),
        boardCongested: () => lineCongested,
        pingReadAheadBytes: 0, // one byte stream: a PINGRESP read early would still queue behind the rest
        ended: (reason, text) => {
          if (connection !== c) return;
          events$.next({ type: 'closed', connId: 0, reason, text });
          restart();
          deps.closeLine?.();
        },
        // After DISCONNECT the line's next bytes belong to a new connection.
        disconnected: () => {
          if (connection !== c) return;
          events$.next({ type: 'closed', connId: 0, reason: Reason.NORMAL, text: 'the board disconnected' });
          connection.close('the board disconnected');
          connection = undefined;
        },
      },
      log,
    );
    c.open(undefined).then(
      () => {
        if (connection === c && !c.closed) events$.next({ type: 'opened', connId: 0, url: '' });
      },
      (failure: BrokerFailure) => {
        if (connection !== c) return;
        const reason = failure.reason ?? Reason.BROKER_UNREACHABLE;
        events$.next({ type: 'open-failed', connId: 0, reason, text: failure.message });
        restart();
        deps.closeLine?.();
      },
    );
    return c;
  };

  // Said once per cycle at info (boot text is normal on a tty, but junk on a TCP link or a framed
  // board on a raw link shows up only here); the rest of a cycle's skips at debug.
  let skipSaid = false;
  const skipped = (bytes: number): void => {
    if (skipSaid) return void log.debug({ bytes }, 'skipped bytes before a CONNECT');
    skipSaid = true;
    log.info({ bytes }, 'skipped bytes that are not an MQTT CONNECT (boot text, line noise, or a board speaking the framed link protocol: --link framed); waiting for a CONNECT');
  };

  /** A new connection cycle: skip to the next CONNECT, then split packets until it ends. */
  function restart(): void {
    skipSaid = false;
    connection?.close('connection ended');
    connection = undefined;
    reading(true);
    cycle?.unsubscribe();
    cycle = deps.line.data$
      .pipe(
        stampArrival(lineReadAt),
        aroundEach((run) => withWritesHeld(connection ? [connection] : [], run)),
        seekConnect(skipped),
        splitRawMqtt({ maxPacketBytes: deps.settings.maxPacketBytes, stallTimeoutMs: deps.settings.stallTimeoutMs, scheduler: deps.scheduler }),
      )
      .subscribe((e) => {
        // A second CONNECT on a live line: the board's client started over (a reset without
        // the line going away). Its old connection is dead: dropped, so its will fires.
        if (e.type === 'packet' && e.bytes[0] >> 4 === MQTT_CONNECT && connection?.connected) {
          connection.close('the board connected again');
          events$.next({ type: 'closed', connId: 0, reason: Reason.LINK_RESET, text: 'the board connected again' });
          connection = undefined;
        }
        connection ??= connect();
        if (e.type === 'packet') {
          const at = lineReadAt.at;
          return connection.fromBoard(e.bytes, captures$.observed ? { serialFirst: at, serialLast: at, decoded: at } : undefined);
        }
        const reason = e.error === 'too-large' ? Reason.PACKET_TOO_LARGE : Reason.PROTOCOL_ERROR;
        connection.protocolError(reason, `${e.error} MQTT from the board: ${e.detail}`);
      });
  }

  // Broker -> board: each write resolves when the line took it; the bytes still pending pause
  // the broker socket (through hysteresis) so a fast broker cannot flood a slow line.
  const pending = new Subject<number>();
  const subs: Subscription[] = [
    pending.pipe(hysteresis({ high: queueBytes, low: Math.floor(queueBytes / 2) })).subscribe((congested) => {
      lineCongested = congested;
      if (congested) connection?.pause();
      else connection?.resume();
    }),
    toLine
      .pipe(
        trackedWrites(
          ({ bytes, timing, queued }) => {
            const written = deps.line.write(bytes);
            if (timing) written.then(() => timing.done(queued, hrNow()), () => undefined);
            return written;
          },
          (w) => w.bytes.length,
        ),
      )
      .subscribe((w) => {
        if (w.type === 'pending') pending.next(w.bytes);
      }),
  ];
  restart();

  return {
    events$: events$.asObservable(),
    packets$: packets$.asObservable(),
    captures$: captures$.asObservable(),
    cut(profile = boardProfile) {
      log.info({ cut: profile }, 'power cut: the connection ends');
      if (connection) cutter.cut(connection, 'the board lost power', profile);
      // Whatever the board sends after it boots starts a new connection at its CONNECT.
      restart();
    },
    async stop(why = 'the bridge is stopping', profile?: CutProfile) {
      if (connection && profile) cutter.cut(connection, why, profile);
      else connection?.close(why);
      connection = undefined;
      if (!deps.cutter) cutter.releaseAll(why);
      cycle?.unsubscribe();
      for (const s of subs) s.unsubscribe();
      events$.complete();
      packets$.complete();
      captures$.complete();
    },
  };
}
