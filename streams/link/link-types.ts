import type { SchedulerLike } from 'rxjs';
import type { Frame } from '../framing/frame.js';
import type { DeframeEvent } from '../framing/deframe.js';
import type { Hello } from './ctrl-codec.js';
import type { Channel, Role } from './protocol.js';
import type { RtoOptions } from './rto.js';
import type { LinkStats } from './link-stats.js';

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
  /** Quiet time after which a PING is sent, so a dead peer is noticed on an idle link. */
  pingIntervalMs?: number;
  /**
   * How long an acknowledgement may wait for a frame going the other way to carry it (default
   * 10 ms). Long against a request/response over a fast line (a QoS 1 round trip over a pty is
   * about 0.1 ms), so the answer carries it and no ACK frame wakes the peer; short against the
   * retransmission timeout (50 ms at least) and a serial line's frame times.
   */
  ackDelayMs?: number;
  /** Free credit as soon as a frame is delivered; false = the app sends `consumed`. */
  autoConsume?: boolean;
  /** Emit a stats event this often (0: only on down and on completion). */
  statsIntervalMs?: number;
  /**
   * Bytes queued toward the peer (unsent or unacknowledged) at which a `congestion` event says
   * to stop feeding it; it clears at half. Default: 4 x the peer's window x its MTU.
   */
  queueBytes?: number;
}

export type LinkCommand =
  | { type: 'send'; channel: typeof Channel.CTRL | typeof Channel.LOG | typeof Channel.TIME; payload: Buffer }
  /** `urgent`: may overtake queued PUBLISH packets; by default every non-PUBLISH packet that fits in one frame. */
  | { type: 'send-mqtt'; connId: number; packet: Buffer; urgent?: boolean }
  | { type: 'consumed'; frames: number }
  | { type: 'reset'; detail?: string };

/**
 * The frames of one line read follow (`open`) or are done (linkOverLine sends these). ACKs owed
 * meanwhile wait for the end, so that a read of many frames is answered by one ACK, not one per
 * half window or per duplicate: each is a line write, and on a pty each write wakes the peer.
 */
export interface ReadMark {
  type: 'read';
  open: boolean;
}

export type LinkInput = DeframeEvent | LinkCommand | ReadMark;

export type UpCause = 'first' | 'reboot' | 'resync';
export type DownCause = 'broken' | 'peer-reboot' | 'peer-reset' | 'local-reset';

export type LinkOutput =
  | { type: 'tx'; frame: Frame }
  | { type: 'deliver'; channel: number; flags: number; payload: Buffer }
  | { type: 'up'; peer: Hello; cause: UpCause }
  | { type: 'down'; cause: DownCause; detail: string }
  | { type: 'rejected'; command: LinkCommand; reason: string }
  | { type: 'link-error'; detail: string }
  /** Stop (true) or resume (false) feeding MQTT toward the peer: the queue passed its bound. */
  | { type: 'congestion'; congested: boolean; queuedBytes: number }
  | { type: 'stats'; stats: LinkStats }
  | Extract<DeframeEvent, { type: 'console' | 'dropped' }>;
