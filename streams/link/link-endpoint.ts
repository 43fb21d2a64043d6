import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { randomInt } from 'node:crypto';
import type { Frame } from '../framing/frame.js';
import type { DeframeEvent } from '../framing/deframe.js';
import { fragmentMqtt } from '../mqtt/mqtt-fragment.js';
import { decodeCtrl, encodeCtrl, type Hello } from './ctrl-codec.js';
import { AckType, Channel, CtrlType, FLAGS_WHOLE, LINK_VERSION, MAX_MTU, MAX_WINDOW, MIN_MTU, type Role } from './protocol.js';
import { createRtoEstimator, type RtoOptions } from './rto.js';
import { seqAdd, seqDiff } from './seq.js';
import { Fifo } from './fifo.js';
import { createLinkCounters, type LinkStats } from './link-stats.js';

export interface LinkEndpointOptions {
  role: Role;
  /** Board id, or the host's name. */
  id: string;
  firmware: string;
  /** Largest frame payload this side accepts. */
  mtu: number;
  /** Frames this side can hold before its application consumes them. */
  window: number;
  /** Boot epoch; random by default (a board must pick a new one at every boot). */
  epoch?: number;
  scheduler?: SchedulerLike;
  rto?: Partial<RtoOptions>;
  /** Retransmissions of one frame (or unanswered credit polls) before the link is broken. */
  maxRetries?: number;
  helloIntervalMs?: number;
  /** Idle time after which a PING is sent, so a dead peer is noticed on an idle link. */
  pingIntervalMs?: number;
  ackDelayMs?: number;
  /** Free credit as soon as a frame is delivered; false = the app sends `consumed`. */
  autoConsume?: boolean;
  /** Emit a stats event this often (0: only on down and on completion). */
  statsIntervalMs?: number;
}

export type LinkCommand =
  | { type: 'send'; channel: typeof Channel.CTRL | typeof Channel.LOG | typeof Channel.TIME; payload: Buffer }
  | { type: 'send-mqtt'; connId: number; packet: Buffer }
  | { type: 'consumed'; frames: number }
  | { type: 'reset'; detail?: string };

export type LinkInput = DeframeEvent | LinkCommand;

export type UpCause = 'first' | 'reboot' | 'resync';
export type DownCause = 'broken' | 'peer-reboot' | 'peer-reset' | 'local-reset';

export type LinkOutput =
  | { type: 'tx'; frame: Frame }
  | { type: 'deliver'; channel: number; flags: number; payload: Buffer }
  | { type: 'up'; peer: Hello; cause: UpCause }
  | { type: 'down'; cause: DownCause; detail: string }
  | { type: 'rejected'; command: LinkCommand; reason: string }
  | { type: 'link-error'; detail: string }
  | { type: 'stats'; stats: LinkStats }
  | Extract<DeframeEvent, { type: 'console' | 'dropped' }>;

interface Outgoing {
  channel: number;
  flags: number;
  payload: Buffer;
}

interface InFlight extends Outgoing {
  sentAt: number;
  retransmitted: boolean;
}

const EMPTY = Buffer.alloc(0);

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`linkEndpoint: ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/**
 * One side of the link protocol (docs/link-protocol.md): HELLO handshake, reliable in-order
 * delivery of CTRL and MQTT with cumulative acks, credit flow control, retransmission and
 * broken-link detection. Input: deframed frames and the application's commands. Output:
 * frames to write, deliveries, and link events. Time comes only from the scheduler, so the
 * whole state machine runs in virtual time under test.
 */
export function linkEndpoint(options: LinkEndpointOptions): OperatorFunction<LinkInput, LinkOutput> {
  checkInt('mtu', options.mtu, MIN_MTU, MAX_MTU);
  checkInt('window', options.window, 1, MAX_WINDOW);
  const maxRetries = options.maxRetries ?? 6;
  checkInt('maxRetries', maxRetries, 1, 100);
  const helloIntervalMs = options.helloIntervalMs ?? 500;
  const pingIntervalMs = options.pingIntervalMs ?? 1000;
  const ackDelayMs = options.ackDelayMs ?? 0;
  const autoConsume = options.autoConsume ?? true;
  const statsIntervalMs = options.statsIntervalMs ?? 0;
  const rtoOptions: RtoOptions = { initialMs: 500, minMs: 50, maxMs: 3000, ...options.rto };

  return (source) =>
    new Observable<LinkOutput>((out) => {
      const sched = options.scheduler ?? asyncScheduler;
      const epoch = options.epoch ?? randomInt(2 ** 32);
      const rto = createRtoEstimator(rtoOptions);
      const counters = createLinkCounters();

      let phase: 'syncing' | 'up' = 'syncing';
      let nonce = 0;
      let peer: Hello | undefined;
      let lastUpEpoch: number | undefined;
      // Sender.
      let sndUna = 0;
      let sndNxt = 0;
      let inflight: InFlight[] = [];
      const ctrlQueue = new Fifo<Outgoing>();
      const dataQueue = new Fifo<Outgoing>();
      let peerCredit = 0;
      let retries = 0;
      let pollRetries = 0;
      let fastRetransmitted = false;
      let lastSequencedAt = 0;
      let lastHeardAt = 0;
      let pingNonce = 0;
      // Receiver.
      let rcvNxt = 0;
      let held = 0;
      let gapReported = false;
      // Timers.
      let helloTimer: Subscription | undefined;
      let rtoTimer: Subscription | undefined;
      let persistTimer: Subscription | undefined;
      let ackTimer: Subscription | undefined;
      const timers: Subscription[] = [];

      // Inputs arriving while one is being handled (a synchronous loop-back) wait their turn.
      let busy = false;
      const backlog: (() => void)[] = [];
      const serialised = (fn: () => void): void => {
        if (busy) {
          backlog.push(fn);
          return;
        }
        busy = true;
        try {
          fn();
          for (let next = backlog.shift(); next; next = backlog.shift()) next();
        } finally {
          busy = false;
        }
      };
      const after = (ms: number, fn: () => void): Subscription => sched.schedule(() => serialised(fn), ms);

      const credit = (): number => Math.max(0, options.window - held);

      const emitFrame = (channel: number, flags: number, seq: number, payload: Buffer): void => {
        ackTimer?.unsubscribe();
        ackTimer = undefined;
        counters.framesOut++;
        out.next({ type: 'tx', frame: { channel, flags, seq, ack: rcvNxt, credit: credit(), payload } });
      };

      const sendAck = (kind: number): void =>
        emitFrame(Channel.ACK, FLAGS_WHOLE, sndNxt, kind === AckType.ACK ? EMPTY : Buffer.of(kind));

      const oweAck = (): void => {
        ackTimer ??= after(ackDelayMs, () => {
          ackTimer = undefined;
          if (phase === 'up') sendAck(AckType.ACK);
        });
      };

      const sendHello = (): void => {
        const hello: Hello = {
          linkVersion: LINK_VERSION,
          role: options.role,
          synced: phase === 'up',
          epoch,
          nonce,
          echo: peer?.nonce ?? 0,
          mtu: options.mtu,
          window: options.window,
          id: options.id,
          firmware: options.firmware,
        };
        emitFrame(Channel.CTRL, FLAGS_WHOLE, 0, encodeCtrl({ type: 'hello', ...hello }));
      };

      const stopTimer = (t: Subscription | undefined): undefined => {
        t?.unsubscribe();
        return undefined;
      };

      const resetSession = (): void => {
        sndUna = sndNxt = rcvNxt = held = 0;
        inflight = [];
        ctrlQueue.clear();
        dataQueue.clear();
        peerCredit = retries = pollRetries = 0;
        fastRetransmitted = gapReported = false;
        rto.resetBackOff();
        rtoTimer = stopTimer(rtoTimer);
        persistTimer = stopTimer(persistTimer);
        ackTimer = stopTimer(ackTimer);
      };

      const stats = (): LinkStats =>
        counters.snapshot({
          state: phase,
          inFlight: inflight.length,
          queued: ctrlQueue.length + dataQueue.length,
          peerCredit,
          srttMs: rto.srttMs(),
        });

      const startSync = (): void => {
        phase = 'syncing';
        peer = undefined;
        nonce = randomInt(1, 2 ** 32);
        resetSession();
        sendHello();
        helloTimer?.unsubscribe();
        helloTimer = after(helloIntervalMs, function resend() {
          if (phase !== 'syncing') return;
          sendHello();
          helloTimer = after(helloIntervalMs, resend);
        });
      };

      const goDown = (cause: DownCause, detail: string): void => {
        if (cause === 'broken') counters.broken++;
        else counters.resets++;
        out.next({ type: 'down', cause, detail });
        out.next({ type: 'stats', stats: stats() });
      };

      const becomeUp = (): void => {
        const p = peer as Hello;
        phase = 'up';
        helloTimer = stopTimer(helloTimer);
        peerCredit = p.window;
        lastSequencedAt = sched.now();
        const cause: UpCause = lastUpEpoch === undefined ? 'first' : lastUpEpoch !== p.epoch ? 'reboot' : 'resync';
        lastUpEpoch = p.epoch;
        out.next({ type: 'up', peer: p, cause });
        trySend();
      };

      const armRto = (): void => {
        rtoTimer?.unsubscribe();
        rtoTimer = inflight.length > 0 ? after(rto.timeoutMs(), onRto) : undefined;
      };

      const retransmitAll = (): void => {
        const now = sched.now();
        inflight.forEach((f, i) => {
          f.retransmitted = true;
          f.sentAt = now;
          counters.retransmits++;
          emitFrame(f.channel, f.flags, seqAdd(sndUna, i), f.payload);
        });
        lastSequencedAt = now;
      };

      function onRto(): void {
        rtoTimer = undefined;
        if (phase !== 'up' || inflight.length === 0) return;
        if (++retries > maxRetries) {
          goDown('broken', `no acknowledgement after ${maxRetries} retransmissions`);
          startSync();
          return;
        }
        rto.backOff();
        retransmitAll();
        armRto();
      }

      function onPersist(): void {
        persistTimer = undefined;
        if (phase !== 'up' || inflight.length > 0 || peerCredit > 0) return;
        if (ctrlQueue.length + dataQueue.length === 0) return;
        if (++pollRetries > maxRetries) {
          goDown('broken', `peer gave no credit and answered none of ${maxRetries} polls`);
          startSync();
          return;
        }
        counters.polls++;
        sendAck(AckType.POLL);
        persistTimer = after(Math.min(rtoOptions.maxMs, rto.timeoutMs() * 2 ** pollRetries), onPersist);
      }

      function trySend(): void {
        if (phase !== 'up') return;
        const limit = Math.min(peerCredit, MAX_WINDOW);
        while (inflight.length < limit) {
          const msg = ctrlQueue.shift() ?? dataQueue.shift();
          if (msg === undefined) break;
          const seq = sndNxt;
          sndNxt = seqAdd(sndNxt, 1);
          inflight.push({ ...msg, sentAt: sched.now(), retransmitted: false });
          emitFrame(msg.channel, msg.flags, seq, msg.payload);
          lastSequencedAt = sched.now();
          if (rtoTimer === undefined) armRto();
        }
        const waiting = ctrlQueue.length + dataQueue.length > 0;
        if (waiting && inflight.length === 0 && peerCredit === 0) {
          persistTimer ??= after(rto.timeoutMs(), onPersist);
        }
      }

      const processAck = (frame: Frame): void => {
        pollRetries = 0;
        const acked = seqDiff(frame.ack, sndUna);
        if (acked > inflight.length) return; // not about this session's frames
        if (acked > 0) {
          const newest = inflight[acked - 1];
          // Karn: a retransmitted frame gives no sample, and the backed-off timeout stays until
          // one that was sent once does; otherwise a line slower than the initial RTO would
          // time out on every frame.
          if (!newest.retransmitted) {
            rto.sample(sched.now() - newest.sentAt);
            rto.resetBackOff();
          }
          inflight = inflight.slice(acked);
          sndUna = frame.ack;
          retries = 0;
          fastRetransmitted = false;
          armRto();
        }
        peerCredit = frame.credit;
      };

      const handleCtrl = (payload: Buffer): void => {
        if (payload[0] === CtrlType.PING) {
          const ping = decodeCtrl(payload);
          if (typeof ping !== 'string' && ping.type === 'ping') {
            ctrlQueue.push({ channel: Channel.CTRL, flags: FLAGS_WHOLE, payload: encodeCtrl({ type: 'pong', nonce: ping.nonce }) });
            trySend();
          }
          return;
        }
        if (payload[0] === CtrlType.PONG) return; // its acknowledgement already proved liveness
        counters.delivered++;
        out.next({ type: 'deliver', channel: Channel.CTRL, flags: FLAGS_WHOLE, payload });
      };

      const onSequenced = (frame: Frame): void => {
        if (phase !== 'up') {
          counters.notSynced++;
          return;
        }
        const d = seqDiff(frame.seq, rcvNxt);
        if (d === 0) {
          if (held >= options.window) {
            counters.overruns++; // sent beyond our credit: refuse; it is resent later
            sendAck(AckType.ACK);
            return;
          }
          rcvNxt = seqAdd(rcvNxt, 1);
          gapReported = false;
          const counts = frame.channel === Channel.MQTT || (frame.payload[0] !== CtrlType.PING && frame.payload[0] !== CtrlType.PONG);
          if (!autoConsume && counts) held++;
          oweAck();
          if (frame.channel === Channel.CTRL) handleCtrl(frame.payload);
          else {
            counters.delivered++;
            out.next({ type: 'deliver', channel: frame.channel, flags: frame.flags, payload: frame.payload });
          }
        } else if (d >= 128) {
          counters.duplicates++; // our ack was lost: repeat it
          sendAck(AckType.ACK);
        } else {
          counters.outOfOrder++;
          if (!gapReported) {
            gapReported = true;
            sendAck(AckType.GAP);
          }
        }
      };

      const onHello = (payload: Buffer): void => {
        const h = decodeCtrl(payload);
        if (typeof h === 'string' || h.type !== 'hello') {
          out.next({ type: 'link-error', detail: `bad HELLO: ${typeof h === 'string' ? h : h.type}` });
          return;
        }
        const known = peer !== undefined && h.nonce === peer.nonce;
        if (phase === 'syncing') {
          if (!known) {
            peer = h;
            rcvNxt = held = 0;
          }
          if (h.echo === nonce) {
            becomeUp();
            if (!h.synced) sendHello();
          } else {
            sendHello();
          }
          return;
        }
        if (known) {
          if (!h.synced) sendHello(); // the peer missed our answer
          return;
        }
        // A new nonce while up: the peer reset the link (or rebooted). Everything is dead.
        const cause: DownCause = peer !== undefined && h.epoch !== peer.epoch ? 'peer-reboot' : 'peer-reset';
        goDown(cause, `peer ${h.id} sent a new HELLO (epoch ${h.epoch.toString(16)})`);
        resetSession();
        peer = h;
        becomeUp();
        sendHello();
      };

      const onFrame = (frame: Frame): void => {
        counters.framesIn++;
        lastHeardAt = sched.now();
        const isHello = frame.channel === Channel.CTRL && frame.payload[0] === CtrlType.HELLO;
        if (isHello) return onHello(frame.payload);
        if (phase === 'up') processAck(frame);
        switch (frame.channel) {
          case Channel.CTRL:
          case Channel.MQTT:
            onSequenced(frame);
            break;
          case Channel.LOG:
          case Channel.TIME:
            counters.delivered++;
            out.next({ type: 'deliver', channel: frame.channel, flags: frame.flags, payload: frame.payload });
            break;
          case Channel.ACK:
            if (phase !== 'up') break;
            if (frame.payload[0] === AckType.POLL) sendAck(AckType.ACK);
            else if (frame.payload[0] === AckType.GAP && !fastRetransmitted && inflight.length > 0) {
              fastRetransmitted = true;
              retransmitAll();
              armRto();
            }
            break;
          default:
            out.next({ type: 'link-error', detail: `frame on unknown channel ${frame.channel}` });
        }
        trySend();
      };

      const onCommand = (cmd: LinkCommand): void => {
        const reject = (reason: string) => out.next({ type: 'rejected', command: cmd, reason });
        switch (cmd.type) {
          case 'send-mqtt':
            if (phase !== 'up') return reject('link is not up');
            for (const f of fragmentMqtt(cmd.connId, cmd.packet, (peer as Hello).mtu)) {
              dataQueue.push({ channel: Channel.MQTT, flags: f.flags, payload: f.payload });
            }
            return trySend();
          case 'send':
            if (peer === undefined) return reject('no peer yet');
            if (cmd.payload.length > peer.mtu) return reject(`payload of ${cmd.payload.length} bytes exceeds peer MTU ${peer.mtu}`);
            if (cmd.channel !== Channel.CTRL) return emitFrame(cmd.channel, FLAGS_WHOLE, sndNxt, cmd.payload);
            if (phase !== 'up') return reject('link is not up');
            ctrlQueue.push({ channel: Channel.CTRL, flags: FLAGS_WHOLE, payload: cmd.payload });
            return trySend();
          case 'consumed': {
            const before = credit();
            held = Math.max(0, held - cmd.frames);
            if (phase === 'up' && credit() > before) oweAck();
            return;
          }
          case 'reset':
            if (phase === 'up') goDown('local-reset', cmd.detail ?? 'reset requested');
            return startSync();
        }
      };

      const onInput = (input: LinkInput): void => {
        switch (input.type) {
          case 'frame':
            return onFrame(input.frame);
          case 'console':
            counters.consoleLines++;
            return out.next(input);
          case 'dropped':
            counters.dropped[input.reason]++;
            return out.next(input);
          default:
            return onCommand(input);
        }
      };

      serialised(startSync);
      timers.push(
        sched.schedule(function ping() {
          serialised(() => {
            // Only an idle link needs probing: frames in flight or queued already are (by the
            // RTO), and frames arriving prove the peer alive. PINGs queued behind a backlog, at
            // CTRL priority, would starve MQTT on a slow line.
            const idle = inflight.length === 0 && ctrlQueue.length + dataQueue.length === 0;
            const quietFor = sched.now() - Math.max(lastSequencedAt, lastHeardAt);
            if (phase === 'up' && idle && quietFor >= pingIntervalMs) {
              ctrlQueue.push({ channel: Channel.CTRL, flags: FLAGS_WHOLE, payload: encodeCtrl({ type: 'ping', nonce: ++pingNonce }) });
              lastSequencedAt = sched.now();
              trySend();
            }
          });
          this.schedule(undefined, pingIntervalMs);
        }, pingIntervalMs),
      );
      if (statsIntervalMs > 0) {
        timers.push(
          sched.schedule(function tick() {
            out.next({ type: 'stats', stats: stats() });
            this.schedule(undefined, statsIntervalMs);
          }, statsIntervalMs),
        );
      }

      const sub = source.subscribe({
        next: (input) => {
          // The common case needs no closure: nothing else is being handled.
          if (!busy && backlog.length === 0) {
            busy = true;
            try {
              onInput(input);
              for (let next = backlog.shift(); next; next = backlog.shift()) next();
            } finally {
              busy = false;
            }
          } else serialised(() => onInput(input));
        },
        error: (err) => out.error(err),
        complete: () => {
          out.next({ type: 'stats', stats: stats() });
          out.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        for (const t of [...timers, helloTimer, rtoTimer, persistTimer, ackTimer]) t?.unsubscribe();
      };
    });
}
