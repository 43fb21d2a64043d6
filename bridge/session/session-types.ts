import type { Socket } from 'node:net';
import type { SchedulerLike } from 'rxjs';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import type { Logger } from '../log.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import type { CutProfile } from './cut-profile.js';
import type { Cutter } from './lingering.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import type { ClockEstimate } from '../../streams/timing/time-sync.js';
import type { TlsMaterial } from '../../streams/link/tls-items.js';

/** A broker connection could not be made; `reason` is a link protocol Reason code. */
export interface BrokerFailure extends Error {
  reason: number;
}

/**
 * Opens the broker connection for a board connection. Gets the URL the board asked for (framed
 * OPEN) or undefined (raw mode), applies the bench's override, and resolves to a connected
 * socket; rejects with a BrokerFailure. `boardTls`: TLS settings the board sent with its OPEN,
 * which the bench allows to replace its own (protocol 3.1.1); used for secure schemes only.
 */
export type BrokerConnector = (requestedUrl: string | undefined, boardTls?: TlsMaterial) => Promise<{ socket: Socket; url: string }>;

export interface SessionSettings {
  maxPacketBytes: number;
  /** Link liveness: how fast a dead board is noticed (framed). Defaults from the link endpoint. */
  pingIntervalMs?: number;
  maxRetries?: number;
  /** Bytes queued toward the board before its broker sockets are paused. */
  queueBytes?: number;
  stallTimeoutMs: number;
  /** Keep CONNECT passwords in timing captures (the user asked for it); default false. */
  captureSecrets?: boolean;
  /** Use the TLS settings a board sends with its OPEN (bench `tls.fromBoard`); default false. */
  tlsFromBoard?: boolean;
  /** What the broker sees when the board dies (cut-profile.ts); default fin. */
  cutProfile?: CutProfile;
  /** Frames the board may send ahead of our acknowledgement (framed); default HOST_WINDOW. */
  window?: number;
}

export interface SessionDeps {
  /** The board's name in logs and events. */
  name: string;
  /** An opened line to the board. */
  line: SerialLink;
  settings: SessionSettings;
  connectBroker: BrokerConnector;
  logger: Logger;
  scheduler?: SchedulerLike;
  /**
   * Where silently cut connections wait for the broker to give up. The board's runner owns it,
   * so they outlive a session that ended because the board died; without one the session
   * keeps its own and ends them when it stops.
   */
  cutter?: Cutter;
  /**
   * The one exception to "packets pass as their original bytes": credentials of the bench's put
   * into the board's CONNECT (Azure IoT Hub, bridge/azure/azure-connect.ts). Returns the CONNECT
   * to send instead; throws to refuse it, and its message ends the connection as a protocol error.
   */
  rewriteConnect?(packet: IConnectPacket): Buffer;
}

export type SessionEvent =
  // link: which of the board's links (listen:// boards: one per accepted connection, its
  // connection ids from link × LINK_CONN_IDS); absent on a board with one line.
  | { type: 'link-up'; board: string; firmware: string; cause: string; link?: number }
  | { type: 'link-down'; cause: string; detail: string; link?: number }
  | { type: 'opened'; connId: number; url: string }
  | { type: 'open-failed'; connId: number; reason: number; text: string }
  | { type: 'closed'; connId: number; reason: number; text: string }
  | { type: 'console'; text: string }
  /** Bytes on the line that were not a frame: noise, a CRC error, a half frame from a power cut. */
  | { type: 'line-dropped'; reason: string; bytes: number }
  | { type: 'protocol-error'; connId: number; detail: string }
  /** The board's CONNECT went by (never its password or will message). */
  | { type: 'mqtt-connect'; connId: number; clientId: string; keepalive: number; clean: boolean; will?: { topic: string; qos: number } }
  | { type: 'mqtt-connack'; connId: number; returnCode: number; sessionPresent: boolean }
  /** The board died: its connection was dropped as the cut profile says. */
  | { type: 'cut'; connId: number; profile: CutProfile };

/** One MQTT packet that crossed the bridge, parsed. */
export interface PacketEvent {
  connId: number;
  direction: 'to-broker' | 'to-board';
  packet: Packet;
}

export interface RunningSession {
  readonly events$: import('rxjs').Observable<SessionEvent>;
  /** Every packet, for whoever watches (built only while someone does: it costs per packet). */
  readonly packets$: import('rxjs').Observable<PacketEvent>;
  /** Every packet with its timing stamps (streams/timing); like packets$, built only while watched. */
  readonly captures$: import('rxjs').Observable<PacketCapture>;
  /** Estimates the board's clock offset over the link's TIME channel (framed links only). */
  syncClock?(samples?: number): Promise<ClockEstimate>;
  /**
   * The board just lost power (the bridge cut it, or found out): every broker connection is
   * dropped at once as `profile` says (default: the board's), without waiting for the link to
   * notice.
   */
  cut(profile?: CutProfile): void;
  /**
   * Drops every broker connection (no DISCONNECT) and stops the link; `why` goes to the log.
   * With a profile the board died (its line was lost) and the broker sees that profile.
   */
  stop(why?: string, profile?: CutProfile): Promise<void>;
}

/** Connection ids one link may use (a framed link's are one byte). */
export const LINK_CONN_IDS = 256;
