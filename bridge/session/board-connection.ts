import type { Subject, Subscription } from 'rxjs';
import type { Packet } from 'mqtt-packet';
import { createOnePacketParser, type ProtocolVersion } from '../../streams/mqtt/mqtt-parse.js';
import { Reason, reasonName } from '../../streams/link/protocol.js';
import type { TlsMaterial } from '../../streams/link/tls-items.js';
import { createBrokerLink, type BrokerLink } from './broker-link.js';
import { createBrokerReadGate } from './broker-read-gate.js';
import type { CutProfile } from './cut-profile.js';
import { packetSummary } from './packet-summary.js';
import type { BrokerFailure, PacketEvent, SessionDeps, SessionEvent } from './session-types.js';
import type { Logger } from '../log.js';
import type { LineStamps } from '../../streams/timing/line-arrival.js';
import type { PacketCapture, ToBrokerStamps } from '../../streams/timing/capture-types.js';
import { hrNow } from '../../streams/timing/clock.js';
import { toBoardCapture, toBrokerCapture } from '../../streams/timing/packet-capture.js';

/** A broker packet's stamps so far, and where the rest is filled in once it is on the line. */
export interface ToBoardTiming {
  brokerReceived: bigint;
  parsed: bigint;
  /** The link took it (`queued`) and the line write of its last frame completed (`drained`). */
  done(queued: bigint, drained: bigint): void;
}

interface TimedWrite {
  calling(): void;
  flushed(at: bigint): void;
}

/** Where timed packets go while someone watches (it costs a copy and a callback per packet). */
export interface CaptureSink {
  next(capture: PacketCapture): void;
  /** Keep CONNECT passwords in captures: only when the user asked for it. */
  keepSecrets?: boolean;
}

/** What a connection needs from its session: the way to the board and the flow signals. */
export interface ConnectionHost {
  deps: SessionDeps;
  emit(event: SessionEvent): void;
  /** Where parsed packets go, when someone watches; undefined otherwise (it costs per packet). */
  packets(): Subject<PacketEvent> | undefined;
  /** Where timed packets go, when someone watches; undefined otherwise. */
  captures?(): CaptureSink | undefined;
  /** Sends one whole MQTT packet (its original bytes) to the board. */
  toBoard(bytes: Buffer, timing?: ToBoardTiming): void;
  /** The connection's broker socket is congested (hold the board's credit) or drained. */
  blocked(blocked: boolean): void;
  /** The board -> host direction is congested: new broker sockets start paused. */
  boardCongested(): boolean;
  /**
   * How far past a congested board the broker socket is read while the board awaits a
   * PINGRESP (broker-read-gate.ts): only worth it where the PINGRESP can then overtake what
   * was read, as on a framed link; 0 elsewhere.
   */
  pingReadAheadBytes: number;
  /** The connection ended on the broker's side or by a protocol error: tell the board. */
  ended(reason: number, text: string): void;
  /** The board sent DISCONNECT: this connection is over, the next CONNECT is a new one. */
  disconnected?(): void;
}

/**
 * One board connection and its broker connection. Packets pass as their original bytes in both
 * directions — nothing is answered, acknowledged or rewritten on anyone's behalf, except a
 * CONNECT the bench rewrites (SessionDeps.rewriteConnect) — and are
 * parsed on the way (protocol level from the board's CONNECT) so that malformed MQTT ends this
 * connection only, and the log can say what went by.
 */
export function createBoardConnection(connId: number, host: ConnectionHost, log: Logger) {
  const { settings } = host.deps;
  const fromBoard = createOnePacketParser(4);
  const fromBroker = createOnePacketParser(4);
  let version: ProtocolVersion = 4;
  let broker: BrokerLink | undefined;
  let gate: ReturnType<typeof createBrokerReadGate> | undefined;
  let heldBroker: BrokerLink | undefined; // holdWrites() .. releaseWrites()
  let pending: { bytes: Buffer; timed?: TimedWrite }[] | undefined = []; // board packets while the broker connection opens
  let done = false;
  let connectSeen = false;
  let disconnectSent = false;
  const subs: Subscription[] = [];

  const parse = (parser: typeof fromBoard, bytes: Buffer, direction: 'to-broker' | 'to-board'): Packet | undefined => {
    const packet = parser.parse(bytes);
    if (packet instanceof Error) {
      const side = direction === 'to-broker' ? 'board' : 'broker';
      fail(Reason.PROTOCOL_ERROR, `malformed MQTT from the ${side}: ${packet.message}`);
      return undefined;
    }
    if (packet.cmd === 'connect') {
      version = (packet.protocolVersion ?? 4) as ProtocolVersion;
      fromBoard.setVersion(version);
      fromBroker.setVersion(version);
      const will = packet.will ? { topic: packet.will.topic, qos: packet.will.qos ?? 0 } : undefined;
      host.emit({ type: 'mqtt-connect', connId, clientId: packet.clientId, keepalive: packet.keepalive ?? 0, clean: packet.clean ?? true, ...(will && { will }) });
    } else if (packet.cmd === 'connack') {
      host.emit({ type: 'mqtt-connack', connId, returnCode: packet.returnCode ?? packet.reasonCode ?? 0, sessionPresent: packet.sessionPresent });
    }
    if (packet.cmd === 'connect' || packet.cmd === 'connack') log.info({ packet: packetSummary(packet) }, direction === 'to-broker' ? 'board -> broker' : 'broker -> board');
    else if (log.isLevelEnabled('debug')) log.debug({ packet: packetSummary(packet) }, direction === 'to-broker' ? 'board -> broker' : 'broker -> board');
    host.packets()?.next({ connId, direction, packet });
    return packet;
  };

  /**
   * The name of a well-formed PUBLISH or PUB* acknowledgement that nobody looks at (no capture,
   * no packet events, no debug log): it is only checked, not parsed, since nothing would read
   * its fields. Undefined when the packet must be parsed.
   */
  const unparsedCmd = (parser: typeof fromBoard, bytes: Buffer, sink: CaptureSink | undefined): string | undefined =>
    sink || host.packets() !== undefined || log.isLevelEnabled('debug') ? undefined : parser.commonCmd(bytes);

  /** SessionDeps.rewriteConnect on a CONNECT; the rest, and a malformed one (parse() reports it), as is. */
  const rewritten = (bytes: Buffer): Buffer | undefined => {
    const rewrite = host.deps.rewriteConnect;
    if (!rewrite || bytes[0] >> 4 !== 1) return bytes;
    const packet = createOnePacketParser(4).parse(bytes);
    if (packet instanceof Error || packet.cmd !== 'connect') return bytes;
    try {
      return rewrite(packet);
    } catch (error) {
      fail(Reason.PROTOCOL_ERROR, (error as Error).message);
      return undefined;
    }
  };

  const writeToBroker = (bytes: Buffer, timed?: TimedWrite): void => {
    timed?.calling();
    if (!(broker as BrokerLink).write(bytes, timed?.flushed)) host.blocked(true);
  };

  /** A timed board packet's last two stamps; its capture is complete once the socket flushed it. */
  const onFlushed = (sink: CaptureSink, packet: Packet, bytes: Buffer, line: LineStamps): TimedWrite => {
    // One object, filled in as the packet goes: no copies of it per stamp.
    const stamps: ToBrokerStamps = { serialFirst: line.serialFirst, serialLast: line.serialLast, decoded: line.decoded, parsed: hrNow(), writeCalled: 0n, flushed: 0n };
    // Methods, not arrows: under tsx (as the benches run) each named arrow costs a
    // defineProperty per packet. Neither uses `this`, so `flushed` may be passed on alone.
    return {
      calling() {
        stamps.writeCalled = hrNow();
      },
      flushed(at) {
        stamps.flushed = at;
        sink.next(toBrokerCapture(connId, packet, bytes, stamps, sink.keepSecrets));
      },
    };
  };

  /** Ends this connection: broker dropped without DISCONNECT (its will fires), board told. */
  function fail(reason: number, text: string): void {
    if (done) return;
    log.warn({ ...reasonFields(reason), detail: text }, 'connection closed');
    host.emit({ type: 'protocol-error', connId, detail: text });
    end(text);
    host.ended(reason, text);
  }

  function end(detail: string, profile?: CutProfile): void {
    done = true;
    pending = undefined;
    for (const s of subs) s.unsubscribe();
    // A DISCONNECT on its way must reach the broker, or it would publish the will after all.
    if (disconnectSent) broker?.end(detail);
    else if (profile) broker?.cut(profile, detail);
    else broker?.destroy(detail);
  }

  return {
    /** Opens the broker connection for the URL the board asked for, with its own TLS settings if allowed. */
    async open(requestedUrl: string | undefined, boardTls?: TlsMaterial): Promise<void> {
      host.blocked(true); // until the broker connection is up, the board's frames keep their slots
      let connected: { socket: import('node:net').Socket; url: string };
      try {
        connected = await host.deps.connectBroker(requestedUrl, boardTls);
      } catch (error) {
        const failure = error as BrokerFailure;
        if (done) return;
        done = true;
        log.warn({ url: requestedUrl, ...reasonFields(failure.reason), detail: failure.message }, 'broker connection failed');
        throw failure;
      }
      if (done) {
        connected.socket.destroy(); // the board closed it, or the link went down, meanwhile
        return;
      }
      broker = createBrokerLink(connected.socket, settings);
      const b = broker;
      gate = createBrokerReadGate({
        maxReadAheadBytes: host.pingReadAheadBytes,
        pause: () => b.pause(),
        resume: () => b.resume(),
        exhausted: (bytes) => log.warn({ bytes }, 'read-ahead limit reached with a PINGRESP still owed to the board: its keep-alive may expire'),
      });
      if (host.boardCongested()) gate.congested(true);
      subs.push(
        b.packets$.subscribe((e) => {
          if (e.type === 'error') return fail(Reason.PROTOCOL_ERROR, `broker sent ${e.error} MQTT: ${e.detail}`);
          const sink = host.captures?.();
          const common = unparsedCmd(fromBroker, e.bytes, sink);
          if (common !== undefined) {
            host.toBoard(e.bytes);
            gate?.fromBroker(common, e.bytes.length);
            return;
          }
          const packet = parse(fromBroker, e.bytes, 'to-board');
          if (!packet) return;
          if (sink) {
            const brokerReceived = b.readAt.at;
            const parsed = hrNow();
            const bytes = e.bytes;
            host.toBoard(bytes, {
              brokerReceived,
              parsed,
              done(serialQueued, serialDrained) {
                sink.next(toBoardCapture(connId, packet, bytes, { brokerReceived, parsed, serialQueued, serialDrained }, sink.keepSecrets));
              },
            });
          } else {
            host.toBoard(e.bytes);
          }
          gate?.fromBroker(packet.cmd, e.bytes.length);
        }),
        b.drain$.subscribe(() => host.blocked(false)),
      );
      void b.closed.then((c) => {
        if (done) return;
        end(c.detail);
        // After a DISCONNECT the broker closing is the end the board asked for, not the broker's doing.
        if (disconnectSent) log.info({ detail: 'the board sent DISCONNECT' }, 'connection closed by the board (DISCONNECT)');
        else if (c.reason === undefined) log.info({ detail: c.detail }, 'broker closed the connection');
        else log.warn({ ...reasonFields(c.reason), detail: c.detail }, 'broker connection failed');
        host.ended(c.reason ?? Reason.BROKER_CLOSED, c.detail);
      });
      log.info({ url: connected.url }, 'broker connection open');
      host.emit({ type: 'opened', connId, url: connected.url });
      const queued = pending ?? [];
      pending = [];
      for (const p of queued) writeToBroker(p.bytes, p.timed);
      pending = undefined;
      if (!b.congested) host.blocked(false);
    },
    /** A whole packet from the board; `line`: when it came off the serial line, if known. */
    fromBoard(original: Buffer, line?: LineStamps): void {
      if (done) return;
      // What is logged, watched, captured (passwords redacted) and sent: the rewritten CONNECT.
      const bytes = rewritten(original);
      if (!bytes) return;
      const sink = line && host.captures?.();
      if (unparsedCmd(fromBoard, bytes, sink) !== undefined) {
        if (pending) pending.push({ bytes });
        else writeToBroker(bytes);
        return;
      }
      const packet = parse(fromBoard, bytes, 'to-broker');
      if (!packet) return;
      if (packet.cmd === 'connect') connectSeen = true;
      else if (packet.cmd === 'pingreq') gate?.pingSent();
      const timed = sink ? onFlushed(sink, packet, bytes, line as LineStamps) : undefined;
      if (pending) pending.push({ bytes, timed });
      else writeToBroker(bytes, timed);
      if (packet.cmd === 'disconnect') {
        disconnectSent = true;
        host.disconnected?.();
      }
    },
    /** Until releaseWrites(), what is written to the broker gathers and then leaves together (broker-link.ts). */
    holdWrites(): void {
      heldBroker = done || pending ? undefined : broker;
      heldBroker?.hold();
    },
    releaseWrites(): void {
      const b = heldBroker;
      heldBroker = undefined;
      if (b && !b.release() && !done) host.blocked(true);
    },
    /** The board's client has sent its CONNECT on this connection. */
    get connected(): boolean {
      return connectSeen;
    },
    /** A malformed, oversized or stalled packet from the board: this connection ends. */
    protocolError(reason: number, text: string): void {
      fail(reason, text);
    },
    /** The board is congested (or no longer): the broker socket's reading follows, see the gate. */
    pause: () => gate?.congested(true),
    resume: () => gate?.congested(false),
    /**
     * The board closed it, or the link is gone: drop the broker side without DISCONNECT. With a
     * cut profile (the board died), the broker sees what the profile says (cut-profile.ts).
     */
    close(detail: string, profile?: CutProfile): void {
      if (done) return;
      log.info({ detail, ...(profile && { cut: profile }) }, 'connection closed');
      end(detail, profile);
      if (profile && broker) host.emit({ type: 'cut', connId, profile });
    },
    /** Resolves when the broker socket is gone, which for a silent cut is when the broker gives up. */
    get released(): Promise<void> {
      return broker ? broker.closed.then(() => undefined) : Promise.resolve();
    },
    /** Ends a silent cut's half-open socket now (the bridge is stopping). */
    release(detail: string): void {
      broker?.destroy(detail);
    },
    get closed(): boolean {
      return done;
    },
  };
}

export type BoardConnection = ReturnType<typeof createBoardConnection>;

/**
 * Runs `run` with every connection's broker writes held: what one read from the board sets off
 * then reaches each broker socket in one write, not one per packet.
 */
export function withWritesHeld(connections: Iterable<BoardConnection>, run: () => void): void {
  const held = [...connections];
  for (const c of held) c.holdWrites();
  try {
    run();
  } finally {
    for (const c of held) c.releaseWrites();
  }
}

/** A log line's reason: its name for people, its wire code for tools (CLOSED / OPEN_FAILED). */
function reasonFields(code: number | undefined): { reason?: string; code?: number } {
  return code === undefined ? {} : { reason: reasonName(code), code };
}
