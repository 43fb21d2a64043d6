import { answerTimeRequest } from '../../streams/timing/time-sync.js';
import { hrNow } from '../../streams/timing/clock.js';
import { filter, firstValueFrom, map, of, Subject, timeout, type Subscription } from 'rxjs';
import { linkOverLine, type ByteLine } from '../../streams/link/link-over-line.js';
import type { LinkCommand, LinkEndpointOptions, LinkOutput } from '../../streams/link/link-endpoint.js';
import { decodeCtrl, encodeCtrl, type CtrlMessage, type Hello } from '../../streams/link/ctrl-codec.js';
import { Channel, Reason, reasonName, Role } from '../../streams/link/protocol.js';
import { reassembleMqtt, type MqttChannelFrame, type MqttMessage } from '../../streams/mqtt/mqtt-reassemble.js';
import type { BoardEvent } from './board-events.js';
import type { ConnectionEnd, ConnectionHandlers, ConnectionState, LinkConnection } from './link-connection.js';
import { createTransmitTracker } from './transmit-tracker.js';
import { utf8Chunks } from './utf8-chunks.js';
import { tlsItemMessages, type TlsMaterial } from '../../streams/link/tls-items.js';

/** Link endpoint settings a test or a later board model may tune; the rest is the board's identity. */
export type LinkTuning = Partial<
  Pick<LinkEndpointOptions, 'epoch' | 'scheduler' | 'rto' | 'maxRetries' | 'helloIntervalMs' | 'pingIntervalMs' | 'ackDelayMs' | 'queueBytes'>
>;

export interface BoardConnectionsOptions {
  line: ByteLine;
  id: string;
  firmware: string;
  mtu: number;
  window: number;
  /** Largest MQTT packet accepted from the host. */
  maxPacketBytes: number;
  link?: LinkTuning;
  emit(event: BoardEvent): void;
}

export interface BoardConnections {
  readonly isUp: boolean;
  /**
   * A new connection; OPEN goes out as soon as the link is up, after the app's TLS settings
   * (TLS_ITEM) if it gave any. Throws when all 256 ids are taken.
   */
  open(url: string, handlers: ConnectionHandlers, tls?: TlsMaterial): LinkConnection;
  /** Calls `fn` once the link can take more MQTT: at once, unless its send queue is congested. */
  whenFlowing(fn: () => void): void;
  /** Prints on the LOG channel, unreliable as a board's console is; dropped while the link is down. */
  log(text: string): void;
  /** True once every CLOSE is out and everything sent is acknowledged; false if the link is down or time runs out. */
  drained(timeoutMs: number): Promise<boolean>;
  /** Stops the link endpoint. Connections still open end (by 'stopped'); nothing more is sent. */
  stop(): void;
}

interface Entry {
  readonly connId: number;
  readonly url: string;
  readonly tls?: TlsMaterial;
  state: ConnectionState;
  /** Packets the app sent before OPENED. */
  held: Buffer[];
  readonly handlers: ConnectionHandlers;
}

const CONN_IDS = 256;
// Stats feed drained(); they cost one small event per interval.
const STATS_INTERVAL_MS = 100;
// MQTT packets that may overtake the connection's queued PUBLISHes on the link: acknowledgements
// and PINGREQ. A DISCONNECT, SUBSCRIBE or UNSUBSCRIBE must not, or it would act before them.
const OVERTAKING = new Set([4, 5, 6, 7, 12]);

/**
 * The link side of a board (role BOARD) and the MQTT connections it carries: connection ids,
 * OPEN / OPENED / OPEN_FAILED / CLOSE / CLOSED, and whole MQTT packets in both directions.
 * Packet level on purpose: MQTT.js sits on it through a byte stream today, a model of the
 * DL-7450 `mqtt` module may sit on it directly later.
 */
export function createBoardConnections(options: BoardConnectionsOptions): BoardConnections {
  const { emit } = options;
  const commands = new Subject<LinkCommand>();
  const outputs = new Subject<LinkOutput>();
  const entries = new Map<number, Entry>();
  // Ids that cannot be given out yet: a CLOSE still waiting behind the connection's packets, or
  // an OPEN given up on whose answer is still on its way (it would be taken for the new one's).
  const closing = new Set<number>();
  const awaitingAnswer = new Set<number>();
  const tracker = createTransmitTracker();
  const flowWaiters: (() => void)[] = [];
  let host: Hello | undefined;
  let congested = false;
  let stopped = false;
  let nextId = 0;
  let mqttIn: Subject<MqttChannelFrame> | undefined;
  let reassembly: Subscription | undefined;

  // The board's clock is the host's (a virtual board): the offset it lets the host estimate is
  // zero within the exchange's bound, which is what the timing suites check.
  const answerTime = (payload: Buffer): void => {
    const answer = answerTimeRequest(payload, hrNow());
    if (answer) commands.next({ type: 'send', channel: Channel.TIME, payload: answer });
  };
  const sendCtrl = (msg: CtrlMessage): void => commands.next({ type: 'send', channel: Channel.CTRL, payload: encodeCtrl(msg) });
  const sendPacket = (connId: number, packet: Buffer): void => {
    tracker.queued(connId);
    commands.next({ type: 'send-mqtt', connId, packet, urgent: OVERTAKING.has(packet[0] >> 4) });
  };

  const setFlowing = (): void => {
    congested = false;
    for (const fn of flowWaiters.splice(0)) fn();
  };

  function end(entry: Entry, how: ConnectionEnd): void {
    if (entry.state === 'ended') return;
    entry.state = 'ended';
    entry.held = [];
    entries.delete(entry.connId);
    const base = { connId: entry.connId, url: entry.url, reason: how.reason, reasonName: reasonName(how.reason), text: how.text };
    emit(how.failed ? { type: 'connection-failed', ...base } : { type: 'connection-closed', ...base, by: how.by });
    entry.handlers.ended(how);
  }

  function sendOpen(entry: Entry, peerMtu: number): void {
    let payload: Buffer | undefined;
    try {
      payload = encodeCtrl({ type: 'open', connId: entry.connId, url: entry.url });
    } catch {
      payload = undefined; // longer than a str16 can hold
    }
    if (payload === undefined || payload.length > peerMtu) {
      const text = `a URL of ${Buffer.byteLength(entry.url)} bytes does not fit in an OPEN within the host's MTU of ${peerMtu}`;
      return end(entry, { by: 'board', failed: true, reason: Reason.BAD_URL, text });
    }
    entry.state = 'opening';
    emit({ type: 'connection-opening', connId: entry.connId, url: entry.url });
    // CTRL is one ordered stream: the pieces arrive before the OPEN that takes them.
    if (entry.tls) for (const piece of tlsItemMessages(entry.connId, entry.tls, peerMtu)) sendCtrl(piece);
    commands.next({ type: 'send', channel: Channel.CTRL, payload });
  }

  function onUp({ peer, cause }: Extract<LinkOutput, { type: 'up' }>): void {
    host = peer;
    tracker.reset();
    mqttIn = new Subject<MqttChannelFrame>();
    // A fresh reassembler per session: a packet cut short by a reset must not poison the next.
    reassembly = mqttIn.pipe(reassembleMqtt({ maxPacketBytes: options.maxPacketBytes })).subscribe(onMqtt);
    emit({ type: 'link-up', cause, host: { id: peer.id, firmware: peer.firmware, mtu: peer.mtu, window: peer.window } });
    for (const entry of [...entries.values()]) if (entry.state === 'waiting-for-link') sendOpen(entry, peer.mtu);
  }

  function onDown(out: Extract<LinkOutput, { type: 'down' }>): void {
    host = undefined;
    reassembly?.unsubscribe();
    mqttIn = reassembly = undefined;
    closing.clear();
    awaitingAnswer.clear();
    tracker.reset();
    setFlowing();
    emit({ type: 'link-down', cause: out.cause, detail: out.detail });
    // Every connection of the session is dead (protocol 5); those not yet OPENed wait for the next.
    for (const entry of [...entries.values()]) {
      if (entry.state !== 'opening' && entry.state !== 'open') continue;
      end(entry, { by: 'link', failed: entry.state === 'opening', reason: Reason.LINK_RESET, text: `link ${out.cause}: ${out.detail}` });
    }
  }

  function onCtrl(payload: Buffer): void {
    const msg = decodeCtrl(payload);
    if (typeof msg === 'string') return emit({ type: 'link-error', detail: `CTRL from the host: ${msg}` });
    switch (msg.type) {
      case 'opened':
      case 'open-failed': {
        if (awaitingAnswer.delete(msg.connId)) return; // the host takes our CLOSE next: the id is free again
        const entry = entries.get(msg.connId);
        if (entry?.state !== 'opening') return emit({ type: 'link-error', detail: `${msg.type} for connection ${msg.connId}, which is not opening` });
        if (msg.type === 'open-failed') return end(entry, { by: 'host', failed: true, reason: msg.reason, text: msg.text });
        entry.state = 'open';
        emit({ type: 'connection-opened', connId: entry.connId, url: entry.url });
        const held = entry.held;
        entry.held = [];
        for (const packet of held) sendPacket(entry.connId, packet);
        return entry.handlers.opened();
      }
      case 'closed': {
        // A CLOSED that crossed our CLOSE finds the id free, or reused by a connection still
        // opening (the host answers its OPEN only after our CLOSE): either way it is stale.
        const entry = entries.get(msg.connId);
        if (entry?.state === 'open') end(entry, { by: 'host', failed: false, reason: msg.reason, text: msg.text });
        return;
      }
      default:
        return emit({ type: 'link-error', detail: `unexpected CTRL ${msg.type} from the host` });
    }
  }

  function onMqtt(message: MqttMessage): void {
    const entry = entries.get(message.connId);
    // Packets for a connection not open are ones the host sent before it took our CLOSE.
    if (entry?.state !== 'open') {
      if (message.type === 'error') emit({ type: 'link-error', detail: `MQTT for connection ${message.connId}: ${message.detail}` });
      return;
    }
    if (message.type === 'packet') return entry.handlers.packet(message.bytes);
    sendCtrl({ type: 'close', connId: entry.connId });
    end(entry, { by: 'protocol', failed: false, reason: Reason.PROTOCOL_ERROR, text: `${message.error}: ${message.detail}` });
  }

  function onOutput(out: LinkOutput): void {
    outputs.next(out);
    switch (out.type) {
      case 'tx':
        return tracker.transmitted(out.frame);
      case 'up':
        return onUp(out);
      case 'down':
        return onDown(out);
      case 'deliver':
        if (out.channel === Channel.CTRL) return onCtrl(out.payload);
        if (out.channel === Channel.MQTT) return mqttIn?.next({ flags: out.flags, payload: out.payload });
        if (out.channel === Channel.LOG) return emit({ type: 'log', from: 'host', text: out.payload.toString('utf8') });
        if (out.channel === Channel.TIME) return answerTime(out.payload);
        return; // TIME: not modelled yet
      case 'congestion':
        if (out.congested) congested = true;
        else setFlowing();
        return;
      case 'rejected':
        if (out.command.type === 'send-mqtt') tracker.refused(out.command.connId);
        return emit({ type: 'link-error', detail: `link refused ${out.command.type}: ${out.reason}` });
      case 'link-error':
        return emit({ type: 'link-error', detail: out.detail });
      case 'console':
        return emit({ type: 'console', text: out.text });
      default:
        return; // stats feed drained(); dropped frames are the link's own bookkeeping
    }
  }

  const allocate = (): number => {
    for (let i = 0; i < CONN_IDS; i++) {
      const connId = (nextId + i) % CONN_IDS;
      // Round robin, so that a late frame about a closed id rarely finds it reused.
      if (!entries.has(connId) && !closing.has(connId) && !awaitingAnswer.has(connId)) {
        nextId = (connId + 1) % CONN_IDS;
        return connId;
      }
    }
    throw new Error(`board ${options.id}: all ${CONN_IDS} connection ids are in use`);
  };

  function closeByApp(entry: Entry): void {
    if (entry.state === 'ended') return;
    if (entry.state === 'opening') {
      // Nothing was sent on it yet (packets wait for OPENED): CLOSE can go at once.
      awaitingAnswer.add(entry.connId);
      sendCtrl({ type: 'close', connId: entry.connId });
    } else if (entry.state === 'open') {
      const { connId } = entry;
      closing.add(connId);
      const session = host;
      tracker.whenTransmitted(connId, () => {
        if (host !== session || stopped) return;
        closing.delete(connId);
        sendCtrl({ type: 'close', connId });
      });
    }
    end(entry, { by: 'board', failed: false, reason: Reason.NORMAL, text: '' });
  }

  const sub = linkOverLine(options.line, commands, {
    role: Role.BOARD,
    id: options.id,
    firmware: options.firmware,
    mtu: options.mtu,
    window: options.window,
    ...options.link,
    statsIntervalMs: STATS_INTERVAL_MS,
    onWriteError: (error) => emit({ type: 'link-error', detail: `line write failed: ${error instanceof Error ? error.message : String(error)}` }),
  }).subscribe({
    next: onOutput,
    error: (error: unknown) => emit({ type: 'link-error', detail: `link endpoint failed: ${error instanceof Error ? error.message : String(error)}` }),
  });

  return {
    get isUp() {
      return host !== undefined;
    },
    open(url, handlers, tls) {
      if (stopped) throw new Error(`board ${options.id}: the link is stopped`);
      const entry: Entry = { connId: allocate(), url, ...(tls && { tls }), state: 'waiting-for-link', held: [], handlers };
      entries.set(entry.connId, entry);
      if (host !== undefined) sendOpen(entry, host.mtu);
      return {
        connId: entry.connId,
        url,
        get state() {
          return entry.state;
        },
        send(packet) {
          if (entry.state === 'open') sendPacket(entry.connId, packet);
          else if (entry.state !== 'ended') entry.held.push(Buffer.from(packet)); // the caller may reuse its buffer
        },
        close: () => closeByApp(entry),
      };
    },
    whenFlowing(fn) {
      if (congested && !stopped) flowWaiters.push(fn);
      else fn();
    },
    log(text) {
      emit({ type: 'log', from: 'board', text });
      if (host === undefined || stopped) return;
      for (const payload of utf8Chunks(text, host.mtu)) commands.next({ type: 'send', channel: Channel.LOG, payload });
    },
    drained(timeoutMs) {
      if (host === undefined || stopped) return Promise.resolve(false);
      const idle$ = outputs.pipe(
        filter((o) => o.type === 'down' || (o.type === 'stats' && closing.size === 0 && o.stats.inFlight === 0 && o.stats.queued === 0)),
        map((o) => o.type === 'stats'),
        timeout({ first: timeoutMs, with: () => of(false) }),
      );
      return firstValueFrom(idle$, { defaultValue: false });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const entry of [...entries.values()]) end(entry, { by: 'stopped', failed: false, reason: Reason.NORMAL, text: 'the board stopped' });
      setFlowing();
      commands.complete();
      sub.unsubscribe();
      reassembly?.unsubscribe();
      outputs.complete();
    },
  };
}
