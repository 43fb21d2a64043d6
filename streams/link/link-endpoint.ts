import { asyncScheduler, Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { randomInt } from 'node:crypto';
import type { Frame } from '../framing/frame.js';
import { fragmentMqtt } from '../mqtt/mqtt-fragment.js';
import { decodeCtrl, encodeCtrl, type Hello } from './ctrl-codec.js';
import { AckType, Channel, CtrlType, FLAGS_WHOLE, LINK_VERSION, MAX_MTU, MAX_WINDOW, MIN_MTU } from './protocol.js';
import { createRtoEstimator, type RtoOptions } from './rto.js';
import { createLinkCounters, type LinkStats } from './link-stats.js';
import { createLinkSender } from './link-sender.js';
import { createLinkReceiver } from './link-receiver.js';
import { seqDiff } from './seq.js';
import { createDeadlineTimer } from './deadline-timer.js';
import { createSerialExecutor } from './serial-executor.js';
import { createHysteresis, type Hysteresis } from '../flow/hysteresis.js';
import type { DownCause, LinkCommand, LinkEndpointOptions, LinkInput, LinkOutput, UpCause } from './link-types.js';

export type { DownCause, LinkCommand, LinkEndpointOptions, LinkInput, LinkOutput, UpCause } from './link-types.js';

const EMPTY = Buffer.alloc(0);
// CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGREQ, PINGRESP.
const URGENT_MQTT_TYPES = new Set([2, 4, 5, 6, 7, 9, 11, 12, 13]);
// CLOSE and CLOSED end a connection: they queue behind its packets instead of overtaking them.
const CONNECTION_ENDING = new Set<number>([CtrlType.CLOSE, CtrlType.CLOSED]);

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`linkEndpoint: ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/** PING and PONG are the link's own business: they are not delivered and hold no credit. */
const isLinkCtrl = (frame: Frame) => frame.channel === Channel.CTRL && (frame.payload[0] === CtrlType.PING || frame.payload[0] === CtrlType.PONG);

/**
 * One side of the link protocol (docs/link-protocol.md): the HELLO handshake that (re)starts a
 * session, a reliable sender and receiver for CTRL and MQTT, liveness PINGs, and broken-link
 * detection. Input: deframed frames and the application's commands. Output: frames to write,
 * deliveries, and link events. Time comes only from the scheduler, so the whole state machine
 * runs in virtual time under test.
 */
export function linkEndpoint(options: LinkEndpointOptions): OperatorFunction<LinkInput, LinkOutput> {
  checkInt('mtu', options.mtu, MIN_MTU, MAX_MTU);
  checkInt('window', options.window, 1, MAX_WINDOW);
  const maxRetries = options.maxRetries ?? 6;
  checkInt('maxRetries', maxRetries, 1, 100);
  const helloIntervalMs = options.helloIntervalMs ?? 500;
  const pingIntervalMs = options.pingIntervalMs ?? 1000;
  const ackDelayMs = options.ackDelayMs ?? 10;
  const statsIntervalMs = options.statsIntervalMs ?? 0;
  const rtoOptions: RtoOptions = { initialMs: 500, minMs: 50, maxMs: 3000, ...options.rto };

  return (source) =>
    new Observable<LinkOutput>((out) => {
      const sched = options.scheduler ?? asyncScheduler;
      const epoch = options.epoch ?? randomInt(2 ** 32);
      const rto = createRtoEstimator(rtoOptions);
      const counters = createLinkCounters();
      // An acknowledgement owed is armed once the run that owed it is over (armOwedAck).
      const exec = createSerialExecutor(() => armOwedAck());
      const after = (ms: number, fn: () => void): Subscription => sched.schedule(() => exec.run(fn), ms);

      let phase: 'syncing' | 'up' = 'syncing';
      let nonce = 0;
      let peer: Hello | undefined;
      let lastUpEpoch: number | undefined;
      let lastHeardAt = 0;
      let pingNonce = 0;
      let helloTimer: Subscription | undefined;
      let ackOwed = false; // owed during the current run, not yet handed to the ACK timer
      let inRead = false; // between a line read's 'read' open and close: acks wait for the close
      // An ACK the receiver asked for at once (a duplicate, an overrun) during a read: one, at its
      // close. A read holding a resent window would otherwise get one ACK per frame.
      let ackDue = false;
      // What our latest frame told the peer, so we know how far it may still send on it.
      let toldAck = 0;
      let toldCredit = options.window;

      const emitFrame = (channel: number, flags: number, seq: number, payload: Buffer): void => {
        ackOwed = ackDue = false;
        ackTimer.clear(); // this frame carries the acknowledgement
        counters.framesOut++;
        toldAck = receiver.ack();
        toldCredit = receiver.credit();
        out.next({ type: 'tx', frame: { channel, flags, seq, ack: toldAck, credit: toldCredit, payload } });
      };
      const sendAck = (kind: number): void => emitFrame(Channel.ACK, FLAGS_WHOLE, sender.nextSeq(), kind === AckType.ACK ? EMPTY : Buffer.of(kind));
      // Sends what is still owed ackDelayMs after the debt began; a frame sent meanwhile clears it.
      const ackTimer = createDeadlineTimer(after, () => sched.now(), () => phase === 'up' && sendAck(AckType.ACK));

      // Owed during a run of the executor, armed when it ends (its onIdle): the scheduler's clock
      // stands still during a synchronous run, so the timer starts at the same instant, but a
      // delivered frame no longer waits for a timer to be set up on its way to the application.
      // A frame sent meanwhile carries the acknowledgement and settles the debt.
      const oweAck = (): void => {
        ackOwed = true;
      };
      // A timer, even of 0 ms, fires a millisecond or more later: a peer that has used half the
      // credit we last gave it is told now, or a fast line idles waiting for the timer.
      const peerNearlyStopped = (): boolean => {
        const allowed = toldCredit - seqDiff(receiver.ack(), toldAck);
        return allowed <= options.window / 2 && receiver.credit() > allowed;
      };
      const armOwedAck = (): void => {
        if (!ackOwed || inRead) return;
        ackOwed = false;
        if (phase === 'up' && (ackDue || peerNearlyStopped())) return sendAck(AckType.ACK);
        if (!ackTimer.pending()) ackTimer.set(sched.now() + ackDelayMs);
      };
      const ackNow = (kind: number): void => {
        if (!inRead || kind !== AckType.ACK) return sendAck(kind);
        ackOwed = ackDue = true;
      };
      const receiver = createLinkReceiver({ window: options.window, autoConsume: options.autoConsume ?? true, counters, ackNow, oweAck });
      let congestion: Hysteresis | undefined; // sized when the peer's window and MTU are known
      const sender = createLinkSender({
        scheduler: sched,
        rto,
        rtoMaxMs: rtoOptions.maxMs,
        maxRetries,
        counters,
        emit: emitFrame,
        poll: () => sendAck(AckType.POLL),
        after,
        broken: (detail) => {
          goDown('broken', detail);
          startSync();
        },
        held: (bytes) => {
          const changed = congestion?.update(bytes);
          if (changed !== undefined) out.next({ type: 'congestion', congested: changed, queuedBytes: bytes });
        },
      });

      const stats = (): LinkStats => counters.snapshot({ state: phase, ...sender.gauges(), srttMs: rto.srttMs() });

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

      const resetSession = (): void => {
        sender.reset();
        receiver.reset();
        ackTimer.stop();
        ackOwed = ackDue = false;
        toldAck = 0;
        toldCredit = options.window;
      };

      /** Start (or restart) a session: new nonce, everything forgotten, HELLO until answered. */
      function startSync(): void {
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
      }

      function goDown(cause: DownCause, detail: string): void {
        if (cause === 'broken') counters.broken++;
        else counters.resets++;
        out.next({ type: 'down', cause, detail });
        out.next({ type: 'stats', stats: stats() });
      }

      const becomeUp = (p: Hello): void => {
        phase = 'up';
        helloTimer?.unsubscribe();
        helloTimer = undefined;
        const cause: UpCause = lastUpEpoch === undefined ? 'first' : lastUpEpoch !== p.epoch ? 'reboot' : 'resync';
        lastUpEpoch = p.epoch;
        const high = options.queueBytes ?? 4 * p.window * p.mtu;
        congestion = createHysteresis({ high, low: Math.floor(high / 2) });
        out.next({ type: 'up', peer: p, cause });
        sender.open(p.window);
      };

      // The handshake (protocol section 4.2): LAPB-like, both directions reset together.
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
            receiver.reset();
          }
          if (h.echo !== nonce) return sendHello();
          becomeUp(h);
          if (!h.synced) sendHello();
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
        becomeUp(h);
        sendHello();
      };

      const deliver = (frame: Frame): void => {
        counters.delivered++;
        out.next({ type: 'deliver', channel: frame.channel, flags: frame.flags, payload: frame.payload });
      };

      const onSequenced = (frame: Frame): void => {
        if (phase !== 'up') {
          counters.notSynced++;
          return;
        }
        const linkCtrl = isLinkCtrl(frame);
        if (!receiver.accept(frame, !linkCtrl)) return;
        if (!linkCtrl) return deliver(frame);
        if (frame.payload[0] !== CtrlType.PING) return; // a PONG: its acknowledgement proved liveness
        const ping = decodeCtrl(frame.payload);
        if (typeof ping !== 'string' && ping.type === 'ping') {
          sender.queue('ctrl', { channel: Channel.CTRL, flags: FLAGS_WHOLE, payload: encodeCtrl({ type: 'pong', nonce: ping.nonce }) });
        }
      };

      const onFrame = (frame: Frame): void => {
        counters.framesIn++;
        lastHeardAt = sched.now();
        if (frame.channel === Channel.CTRL && frame.payload[0] === CtrlType.HELLO) return onHello(frame.payload);
        if (phase === 'up') sender.onAck(frame);
        switch (frame.channel) {
          case Channel.CTRL:
          case Channel.MQTT:
            onSequenced(frame);
            break;
          case Channel.LOG:
          case Channel.TIME:
            deliver(frame);
            break;
          case Channel.ACK:
            if (phase !== 'up') break;
            if (frame.payload[0] === AckType.POLL) sendAck(AckType.ACK);
            else if (frame.payload[0] === AckType.GAP) sender.onGap();
            break;
          default:
            out.next({ type: 'link-error', detail: `frame on unknown channel ${frame.channel}` });
        }
        sender.pump();
      };

      // Not a closure per command: under tsx (the benches) every named arrow also costs a
      // defineProperty, once per frame here.
      const reject = (cmd: LinkCommand, reason: string): void => out.next({ type: 'rejected', command: cmd, reason });

      const onCommand = (cmd: LinkCommand): void => {
        switch (cmd.type) {
          case 'send-mqtt': {
            if (phase !== 'up') return reject(cmd, 'link is not up');
            const fragments = fragmentMqtt(cmd.connId, cmd.packet, (peer as Hello).mtu);
            // Acknowledgements and pings may overtake queued PUBLISHes (protocol 3.2): they belong
            // to other flows. CONNECT, SUBSCRIBE, DISCONNECT... may not: a DISCONNECT overtaking
            // PUBLISHes would lose them. A fragmented packet never overtakes.
            const urgent = fragments.length === 1 && (cmd.urgent ?? URGENT_MQTT_TYPES.has(cmd.packet[0] >> 4));
            for (const f of fragments) sender.queue(urgent ? 'urgent' : 'bulk', { channel: Channel.MQTT, flags: f.flags, payload: f.payload });
            return sender.pump();
          }
          case 'send':
            if (peer === undefined) return reject(cmd, 'no peer yet');
            if (cmd.payload.length > peer.mtu) return reject(cmd, `payload of ${cmd.payload.length} bytes exceeds peer MTU ${peer.mtu}`);
            if (cmd.channel !== Channel.CTRL) return emitFrame(cmd.channel, FLAGS_WHOLE, sender.nextSeq(), cmd.payload);
            if (phase !== 'up') return reject(cmd, 'link is not up');
            sender.queue(CONNECTION_ENDING.has(cmd.payload[0]) ? 'bulk' : 'ctrl', { channel: Channel.CTRL, flags: FLAGS_WHOLE, payload: cmd.payload });
            return sender.pump();
          case 'consumed':
            if (receiver.consumed(cmd.frames) && phase === 'up') oweAck(); // tell the sender its credit grew
            return;
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
          case 'read':
            inRead = input.open; // at the close, the run's end (armOwedAck) sends what the read owed
            return;
          default:
            return onCommand(input);
        }
      };

      // Only an idle link needs probing: frames in flight or queued already are (by the RTO),
      // and frames arriving prove the peer alive. PINGs queued behind a backlog, at CTRL
      // priority, would starve MQTT on a slow line.
      const maybePing = (): void => {
        const quietFor = sched.now() - Math.max(sender.lastSentAt(), lastHeardAt);
        if (phase !== 'up' || !sender.idle() || quietFor < pingIntervalMs) return;
        sender.queue('ctrl', { channel: Channel.CTRL, flags: FLAGS_WHOLE, payload: encodeCtrl({ type: 'ping', nonce: ++pingNonce }) });
        sender.pump();
      };

      exec.run(startSync);
      const timers: Subscription[] = [
        sched.schedule(function tick() {
          exec.run(maybePing);
          this.schedule(undefined, pingIntervalMs);
        }, pingIntervalMs),
      ];
      if (statsIntervalMs > 0) {
        timers.push(
          sched.schedule(function tick() {
            out.next({ type: 'stats', stats: stats() });
            this.schedule(undefined, statsIntervalMs);
          }, statsIntervalMs),
        );
      }

      const sub = source.subscribe({
        next: (input) => exec.runWith(onInput, input),
        error: (err) => out.error(err),
        complete: () => {
          out.next({ type: 'stats', stats: stats() });
          out.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        sender.stop();
        for (const t of [...timers, helloTimer]) t?.unsubscribe();
        ackTimer.stop();
      };
    });
}
