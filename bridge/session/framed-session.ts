import { filter, share, Subject, tap, type Subscription } from 'rxjs';
import { linkOverLine } from '../../streams/link/link-over-line.js';
import type { LinkCommand, LinkOutput } from '../../streams/link/link-endpoint.js';
import { decodeCtrl, encodeCtrl, type CtrlMessage } from '../../streams/link/ctrl-codec.js';
import { Channel, Reason, Role } from '../../streams/link/protocol.js';
import { HOST_MTU, HOST_WINDOW } from '../../streams/link/defaults.js';
import { reassembleMqtt, type MqttMessage } from '../../streams/mqtt/mqtt-reassemble.js';
import { createTlsItemCollector, type CollectedTls } from '../../streams/link/tls-items.js';
import { boardTlsToUse } from './board-tls-choice.js';
import { creditGate, type CreditEvent } from '../../streams/flow/credit-gate.js';
import { aroundEach } from '../../streams/flow/around-each.js';
import { createBoardConnection, withWritesHeld, type BoardConnection } from './board-connection.js';
import { createLineStamper } from '../../streams/timing/line-arrival.js';
import { createTxDrainStamper } from '../../streams/timing/tx-drain.js';
import { hrNow } from '../../streams/timing/clock.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { createTimeSyncRequester, type ClockEstimate } from '../../streams/timing/time-sync.js';
import { DEFAULT_CUT_PROFILE, type CutProfile } from './cut-profile.js';
import { createCutter } from './lingering.js';
import type { BrokerFailure, PacketEvent, RunningSession, SessionDeps, SessionEvent } from './session-types.js';
import { BRIDGE_VERSION } from '../version.js';
import { BUILT_IN_BOARD_SETTINGS } from '../config/config-defaults.js';

type Deliver = Extract<LinkOutput, { type: 'deliver' }>;

const TOO_LARGE = new Set(['too-large']);

// How long a stopping bridge waits for its last line write (the CLOSED messages) to be taken.
const SHUTDOWN_FLUSH_MS = 500;

/**
 * A board on a framed link: the link protocol to the board, one broker connection per OPEN.
 * Flow control both ways is RxJS in streams/: the link's credit (held while a broker socket is
 * congested, creditGate) paces the board; the link's congestion signal pauses the broker
 * sockets. When the link resets or the line is lost, every broker connection is dropped
 * without DISCONNECT, so the broker publishes the board's will.
 */
export function runFramedSession(deps: SessionDeps): RunningSession {
  const log = deps.logger.child({ board: deps.name });
  const events$ = new Subject<SessionEvent>();
  const packets$ = new Subject<PacketEvent>();
  const captures$ = new Subject<PacketCapture>();
  const captureSink = { next: (c: PacketCapture) => captures$.next(c), keepSecrets: deps.settings.captureSecrets ?? false };
  const lineStamper = createLineStamper(hrNow, () => captures$.observed);
  const txStamper = createTxDrainStamper();
  const commands = new Subject<LinkCommand>();
  const credit = new Subject<CreditEvent>();
  const connections = new Map<number, BoardConnection>();
  const tlsItems = createTlsItemCollector();
  let boardCongested = false;
  // Said once per session: a raw board on a framed link sends a CONNECT with every retry.
  let plainMqttWarned = false;

  // A read of several frames reaches each broker socket in one write, not one per packet.
  // The last write handed to the line: stop() lets its CLOSED messages go out before the line closes.
  let lastWrite: Promise<void> = Promise.resolve();
  const line = {
    data$: deps.line.data$.pipe(aroundEach((run) => withWritesHeld(connections.values(), run))),
    write: (bytes: Buffer) => (lastWrite = deps.line.write(bytes)),
  };
  const link$ = linkOverLine(line, commands, {
    role: Role.HOST,
    id: 'dl7450-bridge',
    firmware: BRIDGE_VERSION,
    mtu: HOST_MTU,
    window: deps.settings.window ?? HOST_WINDOW,
    autoConsume: false,
    queueBytes: deps.settings.queueBytes,
    pingIntervalMs: deps.settings.pingIntervalMs,
    maxRetries: deps.settings.maxRetries,
    ownsChunks: true,
    scheduler: deps.scheduler,
    stamper: lineStamper,
    onFrameWritten: (frame, written) => txStamper.wrote(frame, written),
  }).pipe(share());
  const timeSync = createTimeSyncRequester({ send: (payload) => commands.next({ type: 'send', channel: Channel.TIME, payload }), scheduler: deps.scheduler });

  const ctrl = (msg: CtrlMessage) => commands.next({ type: 'send', channel: Channel.CTRL, payload: encodeCtrl(msg) });

  const forget = (connId: number): void => {
    credit.next({ type: 'forget', key: connId });
    txStamper.forget(connId);
  };

  const cutter = deps.cutter ?? createCutter();
  const boardProfile = deps.settings.cutProfile ?? DEFAULT_CUT_PROFILE;
  /** Ends every connection: as the board's death looks (`profile`), or a plain drop. */
  const dropAll = (detail: string, profile?: CutProfile): void => {
    for (const [connId, c] of connections) {
      if (profile) cutter.cut(c, detail, profile);
      else c.close(detail);
      forget(connId);
    }
    connections.clear();
  };

  const openFailed = (connId: number, reason: number, text: string): void => {
    ctrl({ type: 'open-failed', connId, reason, text });
    events$.next({ type: 'open-failed', connId, reason, text });
  };

  const open = (connId: number, url: string, boardTls: CollectedTls | undefined): void => {
    connections.get(connId)?.close('the board opened this connection id again');
    forget(connId);
    const clog = log.child({ conn: connId });
    const tls = boardTlsToUse(boardTls, deps.settings.tlsFromBoard ?? false, clog);
    if (tls.refused !== undefined) return openFailed(connId, Reason.TLS_FAILED, tls.refused);
    const connection = createBoardConnection(
      connId,
      {
        deps,
        emit: (e) => events$.next(e),
        packets: () => (packets$.observed ? packets$ : undefined),
        captures: () => (captures$.observed ? captureSink : undefined),
        toBoard: (packet, timing) => {
          if (timing) {
            const queued = hrNow();
            txStamper.expect(connId, packet, (drained) => timing.done(queued, drained));
          }
          commands.next({ type: 'send-mqtt', connId, packet });
        },
        blocked: (blocked) => credit.next({ type: 'blocked', key: connId, blocked }),
        boardCongested: () => boardCongested,
        // 4 MiB with the default queue: a megabyte download at 115200 baud keeps its pings.
        pingReadAheadBytes: (deps.settings.queueBytes ?? BUILT_IN_BOARD_SETTINGS.queueBytes) * 64,
        ended: (reason, text) => {
          if (connections.get(connId) !== connection) return;
          connections.delete(connId);
          forget(connId);
          ctrl({ type: 'closed', connId, reason, text });
          events$.next({ type: 'closed', connId, reason, text });
        },
      },
      clog,
    );
    connections.set(connId, connection);
    clog.info({ url }, 'board opens a connection');
    connection.open(url, tls.material).then(
      () => {
        if (connections.get(connId) === connection && !connection.closed) ctrl({ type: 'opened', connId });
      },
      (failure: BrokerFailure) => {
        if (connections.get(connId) !== connection) return;
        connections.delete(connId);
        forget(connId);
        openFailed(connId, failure.reason ?? Reason.BROKER_UNREACHABLE, failure.message);
      },
    );
  };

  const onCtrl = (payload: Buffer): void => {
    const msg = decodeCtrl(payload);
    if (typeof msg === 'string') return log.warn({ detail: msg }, 'bad CTRL message from the board');
    if (msg.type === 'tls-item') return tlsItems.add(msg);
    if (msg.type === 'open') return open(msg.connId, msg.url, tlsItems.take(msg.connId));
    if (msg.type === 'close') {
      const c = connections.get(msg.connId);
      connections.delete(msg.connId);
      forget(msg.connId);
      c?.close('the board closed the connection');
      ctrl({ type: 'closed', connId: msg.connId, reason: Reason.NORMAL, text: 'closed as requested' });
      return;
    }
    log.warn({ type: msg.type }, 'unexpected CTRL message from the board');
  };

  const onBoardMqtt = (m: MqttMessage): void => {
    const c = connections.get(m.connId);
    if (m.type === 'error') {
      const reason = TOO_LARGE.has(m.error) ? Reason.PACKET_TOO_LARGE : Reason.PROTOCOL_ERROR;
      if (c) c.protocolError(reason, `${m.error}: ${m.detail}`);
      else log.warn({ conn: m.connId, detail: m.detail }, 'bad MQTT frame for no open connection');
      return;
    }
    if (c) return c.fromBoard(m.bytes, lineStamper.take(m.connId));
    log.warn({ conn: m.connId }, 'MQTT for a connection that is not open');
    ctrl({ type: 'closed', connId: m.connId, reason: Reason.UNKNOWN_CONNECTION, text: 'no such connection' });
  };

  const onLink = (out: LinkOutput): void => {
    switch (out.type) {
      case 'up':
        log.info({ boardId: out.peer.id, firmware: out.peer.firmware, mtu: out.peer.mtu, window: out.peer.window, cause: out.cause }, 'link up');
        return events$.next({ type: 'link-up', board: out.peer.id, firmware: out.peer.firmware, cause: out.cause });
      case 'down':
        log.warn({ cause: out.cause, detail: out.detail, cut: boardProfile }, 'link down: every connection on it ends');
        // The link only goes down when the board died, rebooted or its line failed.
        dropAll(`link ${out.cause}: ${out.detail}`, boardProfile);
        tlsItems.clear();
        return events$.next({ type: 'link-down', cause: out.cause, detail: out.detail });
      case 'congestion':
        boardCongested = out.congested;
        for (const c of connections.values()) {
          if (out.congested) c.pause();
          else c.resume();
        }
        return;
      case 'deliver':
        if (out.channel === Channel.CTRL) return onCtrl(out.payload);
        if (out.channel === Channel.LOG) return log.info({ text: out.payload.toString('utf8') }, 'board log');
        if (out.channel === Channel.TIME) return timeSync.received(out.payload, hrNow());
        return;
      case 'console':
        log.info({ text: out.text }, 'board console');
        return events$.next({ type: 'console', text: out.text });
      case 'dropped':
        if (out.reason === 'plain-mqtt' && !plainMqttWarned) {
          plainMqttWarned = true;
          log.warn('a plain MQTT CONNECT arrived outside any frame: this board writes raw MQTT, so run it with --link raw (what follows is dropped and never logged)');
        }
        log.debug({ reason: out.reason, bytes: out.bytes }, 'line noise dropped');
        return events$.next({ type: 'line-dropped', reason: out.reason, bytes: out.bytes });
      case 'link-error':
        return log.warn({ detail: out.detail }, 'link protocol error');
      default:
        return;
    }
  };

  // Board MQTT frames -> whole packets. Restarted with every link session: half a packet from
  // before a reset must not meet the first fragment of the next session.
  const mqttFrames = new Subject<Deliver>();
  let reassembly: Subscription | undefined;
  const startReassembly = (): void => {
    reassembly?.unsubscribe();
    reassembly = mqttFrames
      .pipe(reassembleMqtt({ maxPacketBytes: deps.settings.maxPacketBytes, stallTimeoutMs: deps.settings.stallTimeoutMs, scheduler: deps.scheduler }))
      .subscribe(onBoardMqtt);
  };
  startReassembly();

  const subs: Subscription[] = [
    credit.pipe(creditGate()).subscribe((frames) => commands.next({ type: 'consumed', frames })),
    link$.subscribe({
      next: (out) => {
        onLink(out);
        if (out.type === 'down') startReassembly();
      },
      error: (e) => log.error({ err: e }, 'link failed'),
    }),
    link$
      .pipe(
        filter((o): o is Deliver => o.type === 'deliver' && o.channel === Channel.MQTT),
        tap((o) => o.payload.length > 0 && credit.next({ type: 'frame', key: o.payload[0] })),
        lineStamper.fragments(),
      )
      .subscribe(mqttFrames),
  ];

  return {
    events$: events$.asObservable(),
    packets$: packets$.asObservable(),
    captures$: captures$.asObservable(),
    syncClock: (samples?: number): Promise<ClockEstimate> => timeSync.estimate(samples),
    cut(profile = boardProfile) {
      log.info({ cut: profile, connections: connections.size }, 'power cut: every connection ends');
      dropAll('the board lost power', profile);
    },
    async stop(why?: string, profile?: CutProfile) {
      // No reason given: the bridge itself is stopping (the daemon), the line is still there.
      const reason = why ?? 'the bridge is stopping';
      if (why === undefined) {
        // Tell the board, so its clients see bridge_shutdown now, not a broken link after retries.
        for (const connId of connections.keys()) ctrl({ type: 'closed', connId, reason: Reason.BRIDGE_SHUTDOWN, text: reason });
        await Promise.resolve(); // linkOverLine hands a turn's frames to the line as the turn ends
        const flushed = lastWrite.catch(() => undefined);
        await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref())]);
      }
      dropAll(reason, profile);
      if (!deps.cutter) cutter.releaseAll(reason);
      commands.complete();
      for (const s of subs) s.unsubscribe();
      reassembly?.unsubscribe();
      events$.complete();
      packets$.complete();
      captures$.complete();
      timeSync.stop();
    },
  };
}

